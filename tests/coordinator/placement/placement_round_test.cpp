// Whole placement rounds without a store: seeded random histories of nodes going missing,
// coming back, draining, being drained and undrained, with every instance reporting healthy or
// not; invariants checked after every round.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

#include "coordinator/placement/placement_round.h"

using namespace photon::coordinator::placement;
using photon::common::NodeState;

namespace {
constexpr int64_t kGiB = int64_t{1} << 30;

ServiceSpec service(const std::string& name, int replicas) {
  ServiceSpec s;
  s.name = name;
  s.replicas = replicas;
  s.resources = {1000, kGiB};
  s.update.max_parallel = 2;
  s.update.min_healthy_s = 5;
  s.instance = {{"exec", {"/bin/" + name}}};
  return s;
}

struct History {
  World world;
  std::vector<ServiceInput> services;  // specs and the state after the last round
};

History start(std::mt19937& rng) {
  History h;
  h.world.now = 1000;
  h.world.failover_grace_s = 20;
  for (int i = 0; i < 12; ++i) {
    NodeView v;
    v.sched.id = "n" + std::to_string(10 + i);
    v.sched.labels["rack"] = "r" + std::to_string(i % 4);
    v.sched.capacity = {int64_t{4 + static_cast<int>(rng() % 5)} * 1000, 8 * kGiB};
    v.state = NodeState::kActive;
    v.declared_name = "node-" + std::to_string(i);
    h.world.nodes[v.sched.id] = v;
  }
  auto spread = service("web", 8);
  spread.spread_label = "rack";
  auto distinct = service("db", 4);
  distinct.distinct_hosts = true;
  distinct.resources = {2000, 2 * kGiB};
  ServiceSpec core = service("etcd", 0);
  core.pinned = {"node-0", "node-1", "node-2"};
  core.replicas = 3;
  core.resources = {500, kGiB};
  h.services = {{spread, {}}, {distinct, {}}, {core, {}}};
  for (auto& s : h.services) s.state.service = s.spec.name;
  return h;
}

// The agents' reports: every live allocation on an alive node, healthy unless `sick`.
void observe(History& h, const std::set<std::string>& sick) {
  h.world.observed.clear();
  for (const auto& s : h.services) {
    for (const auto& a : s.state.allocations) {
      if (a.lost || !h.world.nodes.at(a.node).alive) continue;
      using photon::common::InstanceHealth;
      h.world.observed[a.node][a.name] = {
          photon::common::InstanceState::kActive,
          sick.contains(a.node) ? InstanceHealth::kUnhealthy : InstanceHealth::kHealthy, a.revision,
          ""};
    }
  }
}

void step(History& h, std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  auto& nodes = h.world.nodes;
  auto it = std::next(nodes.begin(), pick(static_cast<int>(nodes.size())));
  NodeView& n = it->second;
  switch (pick(6)) {
    case 0:  // goes silent
      n.alive = false;
      break;
    case 1:  // comes back
      n.alive = true;
      n.missing_for = 0;
      break;
    case 2:
      if (n.state == NodeState::kActive) n.state = NodeState::kDraining;
      break;
    case 3:
      if (n.state == NodeState::kDraining) n.state = NodeState::kDrained;
      break;
    case 4:
      if (n.state != NodeState::kActive) n.state = NodeState::kActive;
      break;
    default: {  // a new spec for web: a rolling update
      auto& web = h.services[0].spec;
      web.instance["exec"][0] = "/bin/web-v" + std::to_string(pick(3));
      break;
    }
  }
  h.world.now += 1 + pick(15);
  h.world.nodes_with_movable.clear();
  for (auto& [id, v] : nodes) {
    v.missing_for = v.alive ? 0 : v.missing_for + 1 + pick(15);
    v.sched.schedulable = v.state == NodeState::kActive && v.alive;
  }
  for (const auto& s : h.services) {
    if (s.spec.core()) continue;
    for (const auto& a : s.state.allocations) {
      if (!a.lost) h.world.nodes_with_movable.insert(a.node);
    }
  }
}

std::string run(uint32_t seed, int rounds) {
  std::mt19937 rng(seed);
  History h = start(rng);
  std::map<std::string, std::string> pinned_node;  // etcd instance -> node, once placed
  for (int r = 0; r < rounds; ++r) {
    std::set<std::string> sick;
    if (rng() % 5 == 0) sick.insert(std::next(h.world.nodes.begin(), rng() % 12)->first);
    observe(h, sick);
    auto outputs = placeAll(h.services, h.world);
    std::map<std::string, Resources> used;
    for (size_t i = 0; i < outputs.size(); ++i) {
      h.services[i].spec = outputs[i].spec;
      h.services[i].state = outputs[i].round.state;
      const ServiceSpec& spec = h.services[i].spec;
      std::map<int64_t, int> per_slot;
      std::set<std::string> hosts;
      for (const auto& a : h.services[i].state.allocations) {
        INFO("seed " << seed << " round " << r << " " << a.name << " on " << a.node);
        if (spec.core()) {
          // Pinned: on its declared node, never lost, never moved.
          CHECK_FALSE(a.lost);
          CHECK(h.world.nodes.at(a.node).declared_name == spec.pinned.at(a.slot));
          auto [known, fresh] = pinned_node.emplace(a.name, a.node);
          CHECK(known->second == a.node);
        }
        if (a.lost) continue;
        used[a.node].cpu_millis += spec.resources.cpu_millis;
        used[a.node].memory_bytes += spec.resources.memory_bytes;
        ++per_slot[a.slot];
        if (spec.distinct_hosts) CHECK(hosts.insert(a.node).second);
        // A new allocation lands only where new work is taken (pinned: an active node).
        if (a.created_at == h.world.now && !spec.core()) {
          CHECK(h.world.nodes.at(a.node).sched.schedulable);
        }
      }
      for (const auto& [slot, k] : per_slot) {
        CHECK(slot < spec.replicas);
        CHECK(k <= 2);  // an instance and its drain replacement at most
      }
    }
    for (const auto& [node, u] : used) {
      INFO("seed " << seed << " round " << r << " node " << node);
      CHECK(u.cpu_millis <= h.world.nodes.at(node).sched.capacity.cpu_millis);
      CHECK(u.memory_bytes <= h.world.nodes.at(node).sched.capacity.memory_bytes);
    }
    step(h, rng);
  }
  std::string digest;
  for (const auto& s : h.services) digest += toJson(s.state).dump() + "\n";
  return digest;
}
}  // namespace

TEST_CASE("placement rounds: invariants over random histories (seeded)", "[placement]") {
  for (uint32_t seed = 1; seed <= 25; ++seed) {
    auto first = run(seed, 60);
    // The same history gives the same placement, round for round.
    CHECK(run(seed, 60) == first);
  }
}
