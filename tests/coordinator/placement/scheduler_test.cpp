#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>

#include "coordinator/placement/scheduler.h"

using namespace photon::coordinator::placement;

namespace {
constexpr int64_t kGiB = int64_t{1} << 30;

SchedulerNode node(const std::string& id, const std::string& rack, int64_t cores = 8,
                   int64_t memory = 16 * kGiB, bool schedulable = true) {
  SchedulerNode n;
  n.id = id;
  if (!rack.empty()) n.labels["rack"] = rack;
  n.class_name = "compute";
  n.pool = "web";
  n.capacity = {cores * 1000, memory};
  n.schedulable = schedulable;
  return n;
}

Demand demand(const std::string& service, int count, int64_t cpu = 1000, int64_t memory = kGiB) {
  Demand d;
  d.service = service;
  d.count = count;
  d.resources = {cpu, memory};
  return d;
}

std::map<std::string, int> perNode(const std::vector<std::string>& nodes) {
  std::map<std::string, int> out;
  for (const auto& n : nodes) ++out[n];
  return out;
}
}  // namespace

TEST_CASE("scheduler: spreads over the spread label before packing", "[placement]") {
  std::vector<SchedulerNode> nodes = {node("a1", "r1"), node("a2", "r1"), node("b1", "r2"),
                                      node("c1", "r3")};
  auto d = demand("web", 3);
  d.spread_label = "rack";
  auto r = schedule(nodes, {}, {d});
  REQUIRE(r[0].unplaced == 0);
  std::map<std::string, int> racks;
  for (const auto& id : r[0].nodes) {
    for (const auto& n : nodes) {
      if (n.id == id) ++racks[n.labels.at("rack")];
    }
  }
  CHECK(racks == std::map<std::string, int>{{"r1", 1}, {"r2", 1}, {"r3", 1}});
}

TEST_CASE("scheduler: without spread it packs the fullest node that fits", "[placement]") {
  std::vector<SchedulerNode> nodes = {node("a", ""), node("b", ""), node("c", "")};
  // b already half full: the packing score prefers it.
  std::vector<ExistingAllocation> existing = {{"other", "b", {4000, 8 * kGiB}}};
  auto r = schedule(nodes, existing, {demand("web", 2)});
  CHECK(r[0].nodes == std::vector<std::string>{"b", "b"});
}

TEST_CASE("scheduler: the reasons for what it cannot place", "[placement]") {
  std::vector<SchedulerNode> nodes = {node("a", "r1", 2), node("b", "r2", 2)};
  SECTION("no node matches the selector") {
    auto d = demand("web", 1);
    d.selector.labels["tier"] = "gold";
    auto r = schedule(nodes, {}, {d});
    CHECK(r[0].unplaced == 1);
    CHECK(r[0].reason.starts_with(kNoNodeMatches));
  }
  SECTION("no capacity") {
    auto r = schedule(nodes, {}, {demand("web", 5)});
    CHECK(r[0].nodes.size() == 4);  // 2 cores each, 1000 millis per instance
    CHECK(r[0].unplaced == 1);
    CHECK(r[0].reason.starts_with(kNoCapacity));
  }
  SECTION("distinct hosts exhausted") {
    auto d = demand("web", 3);
    d.distinct_hosts = true;
    auto r = schedule(nodes, {}, {d});
    CHECK(r[0].nodes.size() == 2);
    CHECK(r[0].unplaced == 1);
    CHECK(r[0].reason.starts_with(kSpreadExhausted));
  }
  SECTION("nodes that take no new work") {
    nodes[0].schedulable = nodes[1].schedulable = false;
    auto r = schedule(nodes, {}, {demand("web", 1)});
    CHECK(r[0].reason.starts_with(kNoNodeMatches));
  }
  SECTION("no matching node carries the spread label") {
    auto d = demand("web", 1);
    d.spread_label = "zone";
    auto r = schedule(nodes, {}, {d});
    CHECK(r[0].unplaced == 1);
    CHECK(r[0].reason.find("spread label 'zone'") != std::string::npos);
  }
}

TEST_CASE("scheduler: pinned demands go to their nodes only, even when not schedulable",
          "[placement]") {
  std::vector<SchedulerNode> nodes = {node("core-1", "r1"),
                                      node("core-2", "r2", 8, 16 * kGiB, false), node("w", "r3")};
  Demand d = demand("etcd", 0);
  d.pinned_nodes = {"core-1", "core-2", "core-9"};
  auto r = schedule(nodes, {}, {d});
  CHECK(r[0].nodes == std::vector<std::string>{"core-1", "core-2"});
  CHECK(r[0].unplaced == 1);
  CHECK(r[0].reason.find("core-9") != std::string::npos);
}

TEST_CASE("scheduler: global places one per matching node", "[placement]") {
  std::vector<SchedulerNode> nodes = {node("a", "r1"), node("b", "r2"), node("c", "r3", 1)};
  nodes[1].labels["tier"] = "gold";
  Demand d = demand("agent", 0, 1500);
  d.global = true;
  std::vector<ExistingAllocation> existing = {{"agent", "a", {1500, kGiB}}};
  auto r = schedule(nodes, existing, {d});
  CHECK(r[0].nodes == std::vector<std::string>{"b"});  // a has one; c is too small
  CHECK(r[0].unplaced == 1);
  CHECK(r[0].reason.starts_with(kNoCapacity));
}

TEST_CASE("scheduler: properties over random clusters (seeded)", "[placement]") {
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<SchedulerNode> nodes;
    int racks = pick(1, 6);
    int count = pick(5, 60);
    for (int i = 0; i < count; ++i) {
      auto n = node("n" + std::to_string(i), "r" + std::to_string(pick(0, racks - 1)), pick(1, 32),
                    int64_t{pick(1, 64)} * kGiB, pick(0, 9) != 0);
      if (pick(0, 3) == 0) n.labels["tier"] = "gold";
      nodes.push_back(n);
    }
    std::vector<ExistingAllocation> existing;
    std::vector<Demand> demands;
    int services = pick(1, 8);
    for (int s = 0; s < services; ++s) {
      auto d = demand("svc" + std::to_string(s), pick(0, 40), 100 * pick(1, 40),
                      int64_t{pick(1, 16)} * kGiB / 4);
      if (pick(0, 1)) d.spread_label = "rack";
      d.distinct_hosts = pick(0, 3) == 0;
      if (pick(0, 4) == 0) d.selector.labels["tier"] = "gold";
      if (pick(0, 6) == 0) {
        d.pinned_nodes = {nodes[pick(0, count - 1)].id, nodes[pick(0, count - 1)].id};
      }
      demands.push_back(d);
    }
    auto first = schedule(nodes, existing, demands);

    // Determinism: the same input, and the same input in another order, give the same nodes.
    auto again = schedule(nodes, existing, demands);
    auto shuffled = nodes;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    auto reordered = schedule(shuffled, existing, demands);
    for (size_t d = 0; d < demands.size(); ++d) {
      CHECK(first[d].nodes == again[d].nodes);
      CHECK(first[d].nodes == reordered[d].nodes);
      CHECK(first[d].reason == reordered[d].reason);
    }

    // No node over capacity; selectors, schedulability, pins and distinct hosts respected.
    std::map<std::string, Resources> used;
    std::map<std::string, const SchedulerNode*> by_id;
    for (const auto& n : nodes) by_id[n.id] = &n;
    for (size_t d = 0; d < demands.size(); ++d) {
      const Demand& dm = demands[d];
      if (dm.pinned_nodes.empty()) {
        CHECK(static_cast<int>(first[d].nodes.size()) + first[d].unplaced == dm.count);
      }
      if (first[d].unplaced > 0) CHECK_FALSE(first[d].reason.empty());
      auto counts = perNode(first[d].nodes);
      for (const auto& [id, k] : counts) {
        const SchedulerNode& n = *by_id.at(id);
        used[id].cpu_millis += k * dm.resources.cpu_millis;
        used[id].memory_bytes += k * dm.resources.memory_bytes;
        if (dm.pinned_nodes.empty()) {
          CHECK(n.schedulable);
          CHECK(dm.selector.matches(n));
        } else {
          CHECK(std::find(dm.pinned_nodes.begin(), dm.pinned_nodes.end(), id) !=
                dm.pinned_nodes.end());
          CHECK(k == 1);
        }
        if (dm.distinct_hosts) CHECK(k == 1);
      }
    }
    for (const auto& [id, u] : used) {
      INFO("seed " << seed << " node " << id);
      CHECK(u.cpu_millis <= by_id.at(id)->capacity.cpu_millis);
      CHECK(u.memory_bytes <= by_id.at(id)->capacity.memory_bytes);
    }
  }
}

TEST_CASE("scheduler: spread stays within one of even when there is room (seeded)", "[placement]") {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    std::mt19937 rng(seed);
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<SchedulerNode> nodes;
    int racks = pick(2, 7);
    for (int i = 0; i < 40; ++i) {
      // Every rack gets nodes; all are large enough for everything asked below.
      nodes.push_back(
          node("n" + std::to_string(i), "r" + std::to_string(i % racks), 64, 256 * kGiB));
    }
    // Existing instances of the service, unevenly spread, count for the balance.
    std::vector<ExistingAllocation> existing;
    int already = pick(0, 3);
    for (int k = 0; k < already; ++k) existing.push_back({"web", "n0", {100, kGiB}});
    auto d = demand("web", pick(1, 60), 100, kGiB);
    d.spread_label = "rack";
    auto r = schedule(nodes, existing, {d});
    REQUIRE(r[0].unplaced == 0);
    std::map<std::string, int> per_rack;
    for (int i = 0; i < racks; ++i) per_rack["r" + std::to_string(i)] = 0;
    per_rack["r0"] += already;
    for (const auto& id : r[0].nodes) {
      int i = std::stoi(id.substr(1));
      ++per_rack["r" + std::to_string(i % racks)];
    }
    int lo = INT32_MAX, hi = 0;
    for (const auto& [rack, k] : per_rack) {
      lo = std::min(lo, k);
      hi = std::max(hi, k);
    }
    INFO("seed " << seed << " racks " << racks << " already " << already);
    // Existing ones can only be evened out by new ones: within one once the rest catch up.
    if (d.count + already >= racks * already) CHECK(hi - lo <= 1);
  }
}
