// A deployment's reboot step undrains only the drain it made: an operator's drain issued while
// the node is in that step (the node already drained by the deployment) is taken over by the
// operator and outlives the step. Real coordinator (SQLite, ManualClock), agents simulated by
// their reports.
#include <catch2/catch.hpp>

#include "tests/support/simulated_fleet.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;
using test::FleetNode;

namespace {
const std::string kKernel2 = test::storePath("nixos-system-kernel2");

// The nixos domain's report as the agent makes it for the desired section it was given.
void report(CoordinatorFixture& c, const FleetNode& node, const std::string& booted, int boot,
            const Json& reboot = nullptr) {
  Json section = test::desiredSystem(c, node);
  Json system = {{"outcome", "applied"},
                 {"system", section["system"]},
                 {"deployment", section["deployment"]},
                 {"previous_system", test::storePath("nixos-system-kernel1")},
                 {"generation", 2},
                 {"booted_system", booted},
                 {"boot_id", "boot-" + std::to_string(boot)},
                 {"reboot_required", booted != section["system"]}};
  if (!reboot.is_null()) system["reboot"] = reboot;
  Json observed = {{"agent_version", "test"}, {"domains", {{"system", system}}}};
  REQUIRE(
      c.as(node.token, "PUT", "/api/v1/nodes/" + node.id + "/observed", observed.dump()).status ==
      200);
}

Json settle(CoordinatorFixture& c, const std::string& id) {
  for (int i = 0; i < 3; ++i) c.server().sweepOnce();
  auto r = c.admin("GET", "/api/v1/deployments/" + id);
  REQUIRE(r.status == 200);
  return r.body;
}

Json entry(const Json& d, const std::string& node) {
  for (const auto& n : d["nodes"]) {
    if (n["id"] == node) return n;
  }
  return nullptr;
}

Json node(CoordinatorFixture& c, const FleetNode& n) {
  return c.admin("GET", "/api/v1/nodes/" + n.id).body;
}

// Walks `n` through its reboot for deployment `id`; `operator_drain` drains it (as the
// operator) while it reboots. Returns the deployment after its health gate.
Json rebootThrough(CoordinatorFixture& c, const std::string& id, const FleetNode& n,
                   bool operator_drain) {
  Json d = settle(c, id);
  REQUIRE(entry(d, n.id)["status"] == "updating");
  report(c, n, test::storePath("nixos-system-kernel1"), 1);
  d = settle(c, id);  // drained (nothing placed on it), then told to reboot
  REQUIRE(entry(d, n.id)["status"] == "rebooting");
  CHECK(node(c, n)["state"] == "drained");
  CHECK(node(c, n)["drained_by"] == "deployment " + id);
  CHECK(test::desiredSystem(c, n)["reboot_token"] == id + "-reboot");
  if (operator_drain) {
    auto drained = c.admin("POST", "/api/v1/nodes/" + n.id + "/actions/drain");
    REQUIRE(drained.status == 200);
    CHECK(drained.body["state"] == "drained");
    CHECK(drained.body["drained_by"] == "operator");
  }
  report(c, n, kKernel2, 2, {{"token", id + "-reboot"}, {"state", "done"}, {"health", "ok"}});
  d = settle(c, id);
  REQUIRE(entry(d, n.id)["status"] == "applied");
  return d;
}
}  // namespace

TEST_CASE("reboot: an operator's drain during the reboot step keeps the node drained after it",
          "[deployments][reboot][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 2);
  // One node at a time, in this order.
  Json request = {{"system", kKernel2},     {"selector", {{"nodes", {fleet[0].id, fleet[1].id}}}},
                  {"mode", "boot"},         {"reboot", "always"},
                  {"confirm_within_s", 30}, {"node_timeout_s", 60}};
  auto created = c.admin("POST", "/api/v1/deployments", request);
  REQUIRE(created.status == 201);
  std::string id = created.body["id"];

  // The first node: the deployment's own drain, undone after the health gate.
  rebootThrough(c, id, fleet[0], false);
  CHECK(node(c, fleet[0])["state"] == "active");
  CHECK(node(c, fleet[0])["drained_by"] == "");

  // The second: drained by the operator meanwhile, so it stays drained.
  Json d = rebootThrough(c, id, fleet[1], true);
  CHECK(node(c, fleet[1])["state"] == "drained");
  CHECK(node(c, fleet[1])["drained_by"] == "operator");
  std::string reason = entry(d, fleet[1].id)["reason"];
  CHECK(reason.find("left drained (drained by operator)") != std::string::npos);
  CHECK(d["state"] == "succeeded");

  // The operator's undrain is what returns it.
  auto undrained = c.admin("POST", "/api/v1/nodes/" + fleet[1].id + "/actions/undrain");
  REQUIRE(undrained.status == 200);
  CHECK(undrained.body["state"] == "active");
  CHECK(undrained.body["drained_by"] == "");
}
