#include <catch2/catch.hpp>

#include <set>

#include "tests/coordinator/placement/sim_cluster.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;
using test::SimCluster;
using test::SimNode;

namespace {
const SimNode& byId(SimCluster& sim, const std::string& id) {
  for (const auto& n : sim.nodes()) {
    if (n.id == id) return n;
  }
  FAIL("no node " << id);
  return sim.nodes().front();
}

std::string nodeState(CoordinatorFixture& c, const std::string& id) {
  return c.admin("GET", "/api/v1/nodes/" + id).body["state"];
}
}  // namespace

TEST_CASE("failover: a missing node's instances move after the grace, back, its surplus stops",
          "[placement][integration]") {
  CoordinatorFixture c;
  // node_ttl_s 30, failover grace 20: instances move once a node is silent for more than 50 s.
  SimCluster sim(c, {{"placement", {{"failover_grace_s", 20}}}});
  for (int i = 0; i < 3; ++i) sim.addNode(i, {{"rack", "r" + std::to_string(i)}});
  REQUIRE(sim.putService("web", SimCluster::service(2, {{"spread", {{"label", "rack"}}}})).status ==
          201);
  sim.settle();
  auto before = sim.placedPerNode("web");
  REQUIRE(before.size() == 2);
  const std::string lost_node = before.begin()->first;
  const auto lost_names = sim.instanceNames(byId(sim, lost_node));
  REQUIRE(lost_names.size() == 1);

  // Silent for 40 s: missing (past the TTL) but within the grace: nothing moves.
  for (int step = 0; step < 4; ++step) {
    c.clock().advance(10);
    sim.reportAll({}, lost_node);
    sim.round();
  }
  CHECK(c.admin("GET", "/api/v1/nodes/" + lost_node).body["liveness"] == "missing");
  CHECK(sim.placedPerNode("web").contains(lost_node));

  // Past TTL + grace: re-placed on the third node; the old one is recorded as lost.
  for (int step = 0; step < 2; ++step) {
    c.clock().advance(10);
    sim.reportAll({}, lost_node);
    sim.round();
  }
  auto after = sim.placedPerNode("web");
  CHECK_FALSE(after.contains(lost_node));
  CHECK(after.size() == 2);
  auto allocs = sim.allocations("web")["allocations"];
  int lost = 0;
  for (const auto& a : allocs) {
    if (a.value("lost", false)) {
      ++lost;
      CHECK(a["node"] == lost_node);
      CHECK(a["state"] == "lost");
    }
  }
  CHECK(lost == 1);
  // The lost node's desired state no longer lists the instance, so it stops when it is back.
  CHECK(sim.units(byId(sim, lost_node)).empty());

  // Back: it reports again; the lost record goes and nothing is placed twice.
  sim.report(byId(sim, lost_node));
  sim.settle(2);
  allocs = sim.allocations("web")["allocations"];
  CHECK(allocs.size() == 2);
  for (const auto& a : allocs) CHECK_FALSE(a.value("lost", false));
  CHECK(sim.units(byId(sim, lost_node)).empty());
}

TEST_CASE(
    "drain: instances move max_parallel at a time, each old one stopped only when its "
    "replacement is healthy",
    "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  for (int i = 0; i < 3; ++i) sim.addNode(i, {{"rack", "r1"}});
  // Packing puts all three on one node (8 cores, 1000 millis each).
  REQUIRE(sim.putService("web", SimCluster::service(3)).status == 201);
  sim.settle();
  auto placed = sim.placedPerNode("web");
  REQUIRE(placed.size() == 1);
  const std::string drained = placed.begin()->first;
  const SimNode& old_node = byId(sim, drained);
  REQUIRE(sim.instanceNames(old_node).size() == 3);

  REQUIRE(c.admin("POST", "/api/v1/nodes/" + drained + "/actions/drain").status == 200);
  // Replacements report "starting": one is made (max_parallel 1), no old one stops, and the
  // drain does not complete.
  auto starting = [](const Json&) { return std::string("starting"); };
  sim.settle(3, starting);
  CHECK(sim.instanceNames(old_node).size() == 3);
  auto allocs = sim.allocations("web")["allocations"];
  CHECK(allocs.size() == 4);
  int replacing = 0;
  for (const auto& a : allocs) replacing += a["state"] == "replacing" ? 1 : 0;
  CHECK(replacing == 1);
  CHECK(nodeState(c, drained) == "draining");

  // Healthy replacements: one old instance stops per round trip, the next replacement follows.
  sim.settle(1);
  CHECK(sim.instanceNames(old_node).size() == 2);
  CHECK(nodeState(c, drained) == "draining");
  sim.settle(6);
  CHECK(sim.instanceNames(old_node).empty());
  auto moved = sim.placedPerNode("web");
  CHECK_FALSE(moved.contains(drained));
  int total = 0;
  for (const auto& [n, k] : moved) total += k;
  CHECK(total == 3);
  // Complete only once the drained node's agent has applied the desired state without them.
  sim.report(old_node);
  sim.round();
  CHECK(nodeState(c, drained) == "drained");
}

TEST_CASE("drain: the agent must apply the emptied desired state before the drain completes",
          "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  auto a = sim.addNode(1, {{"rack", "r1"}});
  auto b = sim.addNode(2, {{"rack", "r2"}});
  REQUIRE(sim.putService("web", SimCluster::service(
                                    1, {{"update", {{"max_parallel", 1}, {"min_healthy_s", 0}}}}))
              .status == 201);
  sim.settle();
  auto placed = sim.placedPerNode("web");
  REQUIRE(placed.size() == 1);
  const SimNode& host = placed.begin()->first == a.id ? a : b;
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + host.id + "/actions/drain").status == 200);
  // Everyone but the draining node reports: the replacement becomes healthy, the old instance
  // leaves the desired state, but the node's agent has not applied that yet.
  for (int i = 0; i < 4; ++i) {
    sim.round();
    sim.reportAll({}, host.id);
  }
  sim.round();
  CHECK(sim.units(host).empty());
  CHECK(nodeState(c, host.id) == "draining");
  sim.report(host);
  sim.round();
  CHECK(nodeState(c, host.id) == "drained");
}

TEST_CASE("drain: past the deadline what is left stops", "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c, {{"settings", {{"node_ttl_s", 30}, {"drain_deadline_s", 60}}}});
  auto only = sim.addNode(1, {{"rack", "r1"}});
  REQUIRE(sim.putService("web", SimCluster::service(2)).status == 201);
  sim.settle();
  REQUIRE(sim.instanceNames(only).size() == 2);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + only.id + "/actions/drain").status == 200);
  sim.settle(2);
  // Nowhere to go: the instances stay, and say why their replacements are not placed.
  CHECK(sim.instanceNames(only).size() == 2);
  auto unplaced = sim.allocations("web")["unplaced"];
  REQUIRE_FALSE(unplaced.empty());
  CHECK(unplaced[0]["reason"].get<std::string>().starts_with("no node matches"));
  for (int i = 0; i < 7; ++i) {
    c.clock().advance(10);
    sim.reportAll();
    sim.round();
  }
  CHECK(nodeState(c, only.id) == "drained");
  sim.round();
  CHECK(sim.instanceNames(only).empty());
}

TEST_CASE("drain: an undrain calls the move off, the replacements stop",
          "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  for (int i = 0; i < 2; ++i) sim.addNode(i, {{"rack", "r1"}});
  REQUIRE(sim.putService("web", SimCluster::service(2)).status == 201);
  sim.settle();
  auto placed = sim.placedPerNode("web");
  REQUIRE(placed.size() == 1);
  const std::string host = placed.begin()->first;
  auto before = sim.instanceNames(byId(sim, host));
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + host + "/actions/drain").status == 200);
  auto starting = [](const Json&) { return std::string("starting"); };
  sim.settle(2, starting);
  CHECK(sim.allocations("web")["allocations"].size() == 3);  // one replacement in flight
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + host + "/actions/undrain").status == 200);
  sim.settle(2);
  auto after = sim.allocations("web")["allocations"];
  REQUIRE(after.size() == 2);
  for (const auto& a : after) {
    CHECK(a["node"] == host);
    CHECK(a["state"] == "placed");
  }
  CHECK(sim.instanceNames(byId(sim, host)) == before);
  for (const auto& n : sim.nodes()) {
    if (n.id != host) CHECK(sim.units(n).empty());
  }
}
