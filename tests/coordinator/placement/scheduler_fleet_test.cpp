// The scheduler as the placement controller calls it (a fleet whose other services' capacity is
// summed per node, candidates found once per selector) against two references: the same
// scheduler with every allocation listed, and a plain walk over every node for every instance
// written from the rules in scheduler.h.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "coordinator/placement/scheduler.h"

using namespace photon::coordinator::placement;

namespace {
constexpr int64_t kGiB = int64_t{1} << 30;

struct RandomCase {
  std::vector<SchedulerNode> nodes;
  std::vector<ExistingAllocation> existing;
  std::vector<Demand> demands;
};

RandomCase randomCase(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  RandomCase c;
  const int racks = pick(1, 5);
  const int count = pick(4, 50);
  for (int i = 0; i < count; ++i) {
    SchedulerNode n;
    n.id = "n" + std::to_string(pick(0, 999));  // ids in no order
    if (pick(0, 5) != 0) n.labels["rack"] = "r" + std::to_string(pick(0, racks - 1));
    if (pick(0, 2) == 0) n.labels["tier"] = "gold";
    n.class_name = pick(0, 3) == 0 ? "storage" : "compute";
    n.pool = pick(0, 2) == 0 ? "edge" : "web";
    n.capacity = {1000 * pick(1, 16), int64_t{pick(1, 32)} * kGiB};
    n.schedulable = pick(0, 7) != 0;
    if (std::none_of(c.nodes.begin(), c.nodes.end(),
                     [&](const SchedulerNode& m) { return m.id == n.id; })) {
      c.nodes.push_back(std::move(n));
    }
  }
  auto anyNode = [&] {
    // Now and then a node that is not in the fleet (retired since).
    return pick(0, 9) == 0 ? std::string("gone") : c.nodes[pick(0, c.nodes.size() - 1)].id;
  };
  const int services = pick(1, 10);
  for (int s = 0; s < services + 5; ++s) {
    const std::string name = "svc" + std::to_string(s);
    const int held = pick(0, 12);
    for (int k = 0; k < held; ++k) {
      c.existing.push_back({name, anyNode(), {100 * pick(1, 10), int64_t{pick(1, 8)} * kGiB / 8}});
    }
    if (s >= services) continue;  // the last five hold capacity and ask for nothing
    Demand d;
    d.service = name;
    d.count = pick(0, 12);
    d.resources = {100 * pick(1, 30), int64_t{pick(1, 16)} * kGiB / 4};
    if (pick(0, 1)) d.spread_label = "rack";
    d.distinct_hosts = pick(0, 3) == 0;
    d.global = pick(0, 7) == 0;
    switch (pick(0, 6)) {
      case 0:
        d.selector.labels["tier"] = "gold";
        break;
      case 1:
        d.selector.pool = "edge";
        break;
      case 2:
        d.selector.class_name = "storage";
        break;
      case 3:
        d.selector.nodes = {anyNode(), anyNode(), anyNode()};
        break;
      default:
        break;
    }
    if (pick(0, 3) == 0) d.avoid_nodes = {anyNode(), anyNode()};
    if (pick(0, 7) == 0) d.pinned_nodes = {anyNode(), anyNode()};
    c.demands.push_back(std::move(d));
  }
  return c;
}

// The same packing score as the scheduler's, from its description: what is left free after
// placing, in millionths of each dimension, summed.
int64_t leftAfter(const SchedulerNode& n, const Resources& used, const Resources& want) {
  auto part = [](int64_t capacity, int64_t left) -> int64_t {
    if (capacity <= 0) return 0;
    return static_cast<int64_t>(static_cast<double>(left) * 1e6 / static_cast<double>(capacity));
  };
  return part(n.capacity.cpu_millis, n.capacity.cpu_millis - used.cpu_millis - want.cpu_millis) +
         part(n.capacity.memory_bytes,
              n.capacity.memory_bytes - used.memory_bytes - want.memory_bytes);
}

// Every instance chosen by a walk over every node: the spread value with the fewest instances
// of the service among those with a node that can take one (ties: the smaller value), in it
// the node left fullest (ties: the smaller id). Returns the nodes and the count unplaced.
std::vector<std::pair<std::vector<std::string>, int>> walkEveryNode(const RandomCase& c) {
  std::map<std::string, const SchedulerNode*> by_id;
  for (const auto& n : c.nodes) by_id.emplace(n.id, &n);
  std::map<std::string, Resources> used;
  std::map<std::pair<std::string, std::string>, int> instances;  // (service, node)
  for (const auto& a : c.existing) {
    if (!by_id.contains(a.node)) continue;
    used[a.node].cpu_millis += a.resources.cpu_millis;
    used[a.node].memory_bytes += a.resources.memory_bytes;
    ++instances[{a.service, a.node}];
  }
  auto fitsOn = [&](const SchedulerNode& n, const Resources& want) {
    const Resources& u = used[n.id];
    return u.cpu_millis + want.cpu_millis <= n.capacity.cpu_millis &&
           u.memory_bytes + want.memory_bytes <= n.capacity.memory_bytes;
  };
  auto place = [&](const Demand& d, const std::string& id, std::vector<std::string>& chosen) {
    used[id].cpu_millis += d.resources.cpu_millis;
    used[id].memory_bytes += d.resources.memory_bytes;
    ++instances[{d.service, id}];
    chosen.push_back(id);
  };
  std::vector<size_t> order(c.demands.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
    const Demand& a = c.demands[x];
    const Demand& b = c.demands[y];
    if (a.pinned_nodes.empty() != b.pinned_nodes.empty()) return !a.pinned_nodes.empty();
    if (a.resources.memory_bytes != b.resources.memory_bytes) {
      return a.resources.memory_bytes > b.resources.memory_bytes;
    }
    if (a.resources.cpu_millis != b.resources.cpu_millis) {
      return a.resources.cpu_millis > b.resources.cpu_millis;
    }
    return a.service < b.service;
  });
  std::vector<std::pair<std::vector<std::string>, int>> out(c.demands.size());
  for (size_t di : order) {
    const Demand& d = c.demands[di];
    auto& [chosen, unplaced] = out[di];
    if (!d.pinned_nodes.empty()) {
      std::set<std::string> seen;
      for (const auto& id : d.pinned_nodes) {
        if (!seen.insert(id).second) continue;
        auto it = by_id.find(id);
        if (it == by_id.end()) {
          ++unplaced;
        } else if (instances[{d.service, id}] == 0) {
          if (fitsOn(*it->second, d.resources)) {
            place(d, id, chosen);
          } else {
            ++unplaced;
          }
        }
      }
      continue;
    }
    const std::set<std::string> avoid(d.avoid_nodes.begin(), d.avoid_nodes.end());
    auto admitted = [&](const SchedulerNode& n) {
      return n.schedulable && !avoid.contains(n.id) && d.selector.matches(n) &&
             (d.spread_label.empty() || n.labels.contains(d.spread_label));
    };
    if (d.global) {
      std::vector<const SchedulerNode*> without;  // as the demand starts
      for (const auto& [id, n] : by_id) {
        if (admitted(*n) && instances[{d.service, id}] == 0) without.push_back(n);
      }
      for (const SchedulerNode* n : without) {
        if (fitsOn(*n, d.resources)) {
          place(d, n->id, chosen);
        } else {
          ++unplaced;
        }
      }
      continue;
    }
    for (int k = 0; k < std::max(d.count, 0); ++k) {
      auto valueOf = [&](const SchedulerNode& n) {
        return d.spread_label.empty() ? std::string() : n.labels.at(d.spread_label);
      };
      std::map<std::string, int> in_value;  // instances of the service per spread value
      for (const auto& [id, n] : by_id) {
        if (!d.spread_label.empty() && n->labels.contains(d.spread_label)) {
          in_value[valueOf(*n)] += instances[{d.service, id}];
        }
      }
      const SchedulerNode* best = nullptr;
      std::tuple<int, std::string, int64_t, std::string> best_key;
      for (const auto& [id, n] : by_id) {
        if (!admitted(*n) || !fitsOn(*n, d.resources)) continue;
        if (d.distinct_hosts && instances[{d.service, id}] > 0) continue;
        std::tuple<int, std::string, int64_t, std::string> key = {
            d.spread_label.empty() ? 0 : in_value[valueOf(*n)], valueOf(*n),
            leftAfter(*n, used[id], d.resources), id};
        if (!best || key < best_key) {
          best = n;
          best_key = key;
        }
      }
      if (!best) {
        unplaced = std::max(d.count, 0) - k;
        break;
      }
      place(d, best->id, chosen);
    }
  }
  return out;
}
}  // namespace

TEST_CASE(
    "scheduler: a fleet with the other services' capacity summed per node places as every "
    "allocation listed (seeded)",
    "[placement][scale]") {
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    INFO("seed " << seed);
    RandomCase c = randomCase(seed);
    auto listed = schedule(c.nodes, c.existing, c.demands);

    std::set<std::string> demanded;
    for (const auto& d : c.demands) demanded.insert(d.service);
    std::map<std::string, const SchedulerNode*> by_id;
    for (const auto& n : c.nodes) by_id.emplace(n.id, &n);
    std::map<std::string, Resources> held;
    std::vector<ExistingAllocation> theirs;
    for (const auto& a : c.existing) {
      if (demanded.contains(a.service)) {
        theirs.push_back(a);
      } else {
        held[a.node].cpu_millis += a.resources.cpu_millis;
        held[a.node].memory_bytes += a.resources.memory_bytes;
      }
    }
    Fleet fleet;
    for (const auto& [id, n] : by_id) fleet.add(*n, held.contains(id) ? held[id] : Resources{});
    auto kept = schedule(fleet, theirs, c.demands);

    REQUIRE(kept.size() == listed.size());
    for (size_t d = 0; d < kept.size(); ++d) {
      INFO("demand " << c.demands[d].service);
      CHECK(kept[d].nodes == listed[d].nodes);
      CHECK(kept[d].unplaced == listed[d].unplaced);
      CHECK(kept[d].reason == listed[d].reason);
    }
  }
}

TEST_CASE("scheduler: its choices equal a walk over every node for every instance (seeded)",
          "[placement][scale]") {
  size_t placed = 0, unplaced = 0;
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    INFO("seed " << seed);
    RandomCase c = randomCase(seed);
    auto got = schedule(c.nodes, c.existing, c.demands);
    auto want = walkEveryNode(c);
    REQUIRE(got.size() == want.size());
    for (size_t d = 0; d < got.size(); ++d) {
      INFO("demand " << c.demands[d].service);
      CHECK(got[d].nodes == want[d].first);
      CHECK(got[d].unplaced == want[d].second);
      placed += got[d].nodes.size();
      unplaced += got[d].unplaced;
    }
  }
  // The random cases place and refuse both, so both paths are compared.
  CHECK(placed > 1000);
  CHECK(unplaced > 100);
}

TEST_CASE("scheduler: a fleet finds its nodes by id and says when one is not there",
          "[placement]") {
  SchedulerNode a, b;
  a.id = "a";
  b.id = "b";
  Fleet fleet;
  fleet.add(a);
  fleet.add(b, {100, 200});
  CHECK(fleet.find("a") == 0);
  CHECK(fleet.find("b") == 1);
  CHECK(fleet.find("c") == 2);
  CHECK(fleet.find("") == 2);
  CHECK(fleet.held[1].memory_bytes == 200);
}
