// Placement rounds do work proportional to what changed: an idle round plans no service, a
// report plans only the services with an instance on that node, and a new node plans none of
// the services already settled elsewhere.
#include <catch2/catch.hpp>

#include "coordinator/placement/placement_controller.h"
#include "tests/coordinator/placement/sim_cluster.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;
using test::SimCluster;

namespace {
// The control thread runs no round of its own (none timed, none woken by a change): every round
// is the test's. A round of the thread between a report and the test's round would take the
// report's work away from the round whose counts the test reads (lastLivenessChecks() 0-2
// instead of 3 in 14 of 40 runs on a loaded 2-core machine).
void roundsOnlyWhenAsked(coordinator::CoordinatorOptions& options) {
  options.sweep_interval = std::chrono::hours(1);
  options.wake_on_changes = false;
}
}  // namespace

TEST_CASE("placement: an idle round plans no service and a report plans only its node's",
          "[placement][scale]") {
  CoordinatorFixture c({}, roundsOnlyWhenAsked);
  SimCluster sim(c);
  auto x = sim.addNode(0, {{"role", "x"}});
  auto y = sim.addNode(1, {{"role", "y"}});
  REQUIRE(sim.putService("a", SimCluster::service(1, {{"selector", {{"labels", {{"role", "x"}}}}}}))
              .status == 201);
  REQUIRE(sim.putService("b", SimCluster::service(1, {{"selector", {{"labels", {{"role", "y"}}}}}}))
              .status == 201);
  auto& placement = c.server().placement();
  sim.settle();
  // Healthy for longer than min_healthy_s (10 s): nothing waits on the clock any more.
  c.clock().advance(11);
  sim.settle();
  REQUIRE(sim.placedPerNode("a") == std::map<std::string, int>{{x.id, 1}});
  REQUIRE(sim.placedPerNode("b") == std::map<std::string, int>{{y.id, 1}});

  sim.round();
  CHECK(placement.lastPlanned() == 0);

  // The same report again: its key moved, what it says did not.
  sim.report(x);
  sim.round();
  CHECK(placement.lastPlanned() == 0);

  // x's instance turns unhealthy: only "a" is planned, and it sees it.
  sim.report(x, [](const Json&) { return std::string("unhealthy"); });
  sim.round();
  CHECK(placement.lastPlanned() == 1);
  CHECK(sim.allocations("a")["allocations"][0]["health"] == "unhealthy");
  CHECK(sim.allocations("b")["allocations"][0]["health"] == "healthy");

  // Back to healthy; then a new node enrols: neither service is global, nor moves.
  sim.report(x);
  sim.settle(1);
  c.clock().advance(11);
  sim.settle(1);
  sim.round();
  REQUIRE(placement.lastPlanned() == 0);
  sim.addNode(2, {{"role", "z"}});
  sim.round();
  CHECK(placement.lastPlanned() == 0);
  CHECK(sim.placedPerNode("a") == std::map<std::string, int>{{x.id, 1}});

  // A spec change plans that service alone and rolls it out.
  REQUIRE(sim.putService("b", SimCluster::service(1, {{"selector", {{"labels", {{"role", "y"}}}}},
                                                      {"instance", {{"exec", {"/bin/b2"}}}}}))
              .status == 200);
  sim.round();
  CHECK(placement.lastPlanned() == 1);
  CHECK(sim.units(y)[0]["exec"][0] == "/bin/b2");
}

TEST_CASE("placement: an idle round looks at no node's liveness until a last poll is a TTL old",
          "[placement][scale]") {
  CoordinatorFixture c({}, roundsOnlyWhenAsked);
  SimCluster sim(c);  // node_ttl_s 30
  for (int i = 0; i < 3; ++i) sim.addNode(i, {{"rack", "r" + std::to_string(i)}});
  REQUIRE(sim.putService("web", SimCluster::service(2)).status == 201);
  sim.settle();
  auto& placement = c.server().placement();
  sim.round();
  CHECK(placement.lastLivenessChecks() == 0);

  // 31 s without a poll: every node's last poll is past the TTL, so each is looked at, and
  // from then on every round looks at the missing ones (they may poll again any time).
  c.clock().advance(31);
  sim.round();
  CHECK(placement.lastLivenessChecks() == 3);
  sim.round();
  CHECK(placement.lastLivenessChecks() == 3);

  // They report again: alive, and an idle round looks at none of them.
  sim.reportAll();
  sim.round();
  CHECK(placement.lastLivenessChecks() == 3);
  sim.round();
  CHECK(placement.lastLivenessChecks() == 0);
  c.clock().advance(20);
  sim.reportAll();
  sim.round();
  CHECK(placement.lastLivenessChecks() == 0);  // not a TTL since they were last looked at
  // 31 s after the first report but 11 s after the second: looked at, found alive, not moved.
  c.clock().advance(11);
  sim.round();
  CHECK(placement.lastLivenessChecks() == 3);
  sim.round();
  CHECK(placement.lastLivenessChecks() == 0);
  Json web = sim.allocations("web");
  CHECK(web["allocations"].size() == 2);
  CHECK(web["unplaced"].empty());
  for (const auto& a : web["allocations"]) CHECK_FALSE(a.value("lost", false));
}
