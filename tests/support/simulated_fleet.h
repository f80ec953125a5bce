// Nodes for deployment tests: a cluster with a pool large enough for a fleet, nodes taken to
// active as their agents would, and the two things a simulated agent does with the "system"
// section: read it from desired, answer with an observed report.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/support/coordinator_fixture.h"

namespace photon::test {

struct FleetNode {
  std::string id;
  std::string token;
};

// A store path of the right shape whose name says which generation it is.
inline std::string storePath(const std::string& name) {
  return "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-" + name;
}

// Enrols `machine` (a phone-home body) and reports it installed, as its agent would: the node
// is then active if a rule matched it.
inline FleetNode activeNode(CoordinatorFixture& c, const common::Json& machine) {
  auto r = c.bootstrap("POST", "/api/v1/phone-home", machine);
  REQUIRE(r.status == 200);
  FleetNode node{r.body["node_id"], r.body["token"]};
  REQUIRE(c.as(node.token, "PUT", "/api/v1/nodes/" + node.id + "/observed",
               R"({"install": {"phase": "installed"}})")
              .status == 200);
  return node;
}

// Applies a cluster whose pool has room for thousands of nodes, then enrols `count` machines
// (numbered from `first`) and reports each installed, so that they are active.
inline std::vector<FleetNode> activeFleet(CoordinatorFixture& c, int count, int first = 0) {
  common::Json cluster = CoordinatorFixture::sampleCluster();
  cluster["pools"][0]["cidr"] = "10.0.0.0/16";
  cluster["pools"][0]["gateway"] = "10.0.0.1";
  cluster["pools"][0]["range_start"] = "10.0.0.10";
  cluster["pools"][0]["range_end"] = "10.0.255.250";
  REQUIRE(c.admin("PUT", "/api/v1/cluster", cluster).status == 200);
  std::vector<FleetNode> out;
  for (int i = first; i < first + count; ++i) {
    out.push_back(activeNode(c, CoordinatorFixture::machine(i)));
  }
  return out;
}

// The node's desired "system" section, or null.
inline common::Json desiredSystem(CoordinatorFixture& c, const FleetNode& node) {
  auto r = c.as(node.token, "GET", "/api/v1/nodes/" + node.id + "/desired");
  REQUIRE(r.status == 200);
  return r.body.value("system", common::Json());
}

// Reports what the agent's nixos domain would: {"domains": {"system": {...}}}.
inline void reportSystem(CoordinatorFixture& c, const FleetNode& node, const std::string& outcome,
                         const std::string& system, const std::string& deployment,
                         const std::string& previous_system = "", const std::string& reason = "") {
  common::Json report = {{"outcome", outcome},       {"system", system},
                         {"deployment", deployment}, {"previous_system", previous_system},
                         {"reason", reason},         {"generation", 2}};
  common::Json observed = {{"agent_version", "test"}, {"domains", {{"system", report}}}};
  REQUIRE(
      c.as(node.token, "PUT", "/api/v1/nodes/" + node.id + "/observed", observed.dump()).status ==
      200);
}

// Answers the node's current desired section with `outcome`, as an agent would once done.
inline void answerDesired(CoordinatorFixture& c, const FleetNode& node, const std::string& outcome,
                          const std::string& previous_system = "") {
  common::Json section = desiredSystem(c, node);
  REQUIRE(section.is_object());
  reportSystem(c, node, outcome, section["system"], section.value("deployment", ""),
               previous_system, outcome == "applied" ? "" : "health check failed");
}

}  // namespace photon::test
