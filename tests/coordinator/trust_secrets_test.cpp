// Secrets (a declared node's BGP passwords) reach only an approved node, and a declared node is
// matched only by the identity its declaration pins: attacks by a machine holding the ISO.
#include <catch2/catch.hpp>

#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

namespace {
// The sample cluster plus declared node core-1 (the rule Nix makes for nodes.core-1, matched
// by `match`) and its BGP config with an MD5 password.
Json clusterWithCore1(const Json& match) {
  Json cluster = CoordinatorFixture::sampleCluster();
  cluster["rules"].push_back(
      {{"name", "node-core-1"},
       {"priority", 1000000},
       {"match", match},
       {"pool", "web"},
       {"labels", {{"photon.io/node", "core-1"}, {"photon.io/role", "core"}}},
       {"auto_install", true}});
  cluster["bgp"] = Json::parse(R"({"asn": 65000, "nodes": {"core-1": {"asn": 65000,
      "router_id": "10.0.0.11",
      "neighbors": [{"address": "10.0.0.1", "asn": 65100, "password": "s3cret-md5"}]}}})");
  return cluster;
}

Json desiredOf(CoordinatorFixture& c, const std::string& token, const std::string& id) {
  auto r = c.as(token, "GET", "/api/v1/nodes/" + id + "/desired");
  REQUIRE(r.status == 200);
  return r.body;
}

std::string stateOf(CoordinatorFixture& c, const std::string& id) {
  return c.admin("GET", "/api/v1/nodes/" + id).body["state"];
}
}  // namespace

TEST_CASE(
    "trust: a machine claiming a declared node's MAC stays discovered and reads no BGP "
    "password until an operator commissions it",
    "[trust][integration]") {
  CoordinatorFixture c;
  // The declaration knows core-1 by its MAC only (machine 1's).
  Json match = {{"macs", {"52:54:00:00:00:01"}}};
  REQUIRE(c.admin("PUT", "/api/v1/cluster", clusterWithCore1(match)).status == 200);

  // The attacker boots the ISO with the MAC set to core-1's, before core-1 phones home.
  Json attack = CoordinatorFixture::machine(90, 2);
  attack["facts"]["nics"][0]["mac"] = "52:54:00:00:00:01";
  auto r = c.bootstrap("POST", "/api/v1/phone-home", attack);
  REQUIRE(r.status == 200);
  std::string id = r.body["node_id"];
  std::string token = r.body["token"];
  CHECK(r.body["state"] == "discovered");
  CHECK(r.body["install_plan"].is_null());
  auto node = c.admin("GET", "/api/v1/nodes/" + id).body;
  CHECK(node["rule"] == "node-core-1");
  CHECK(node["address"] == "");
  CHECK(node["last_error"].get<std::string>().find("photonctl commission " + id) !=
        std::string::npos);

  c.server().sweepOnce();  // a placement round
  Json desired = desiredOf(c, token, id);
  CHECK_FALSE(desired.contains("bgp"));
  CHECK(desired.dump().find("s3cret-md5") == std::string::npos);
  // Reporting itself installed does not make it active.
  CHECK(c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
             R"({"install": {"phase": "installed"}})")
            .status == 409);
  CHECK(stateOf(c, id) == "discovered");

  // The operator checks the machine and commissions it: its rule (auto-install) applies.
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/commission").status == 200);
  auto back = c.as(token, "POST", "/api/v1/phone-home", attack.dump());
  INFO(back.body.dump());
  REQUIRE(back.status == 200);
  CHECK(back.body["state"] == "install-pending");
  token = back.body["token"];
  c.server().sweepOnce();
  CHECK_FALSE(desiredOf(c, token, id).contains("bgp"));  // a plan, but not installing yet
  REQUIRE(c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
               R"({"install": {"phase": "installing"}})")
              .status == 200);
  c.server().sweepOnce();
  desired = desiredOf(c, token, id);
  REQUIRE(desired.contains("bgp"));
  CHECK(desired["bgp"]["neighbors"][0]["password"] == "s3cret-md5");
}

TEST_CASE(
    "trust: a declared node pinned by machine-id, or by MAC and serial, installs at once, "
    "its BGP section goes when it is reprovisioned",
    "[trust][integration]") {
  const Json machine = CoordinatorFixture::machine(1);
  for (const Json& match :
       {Json{{"machine_id", machine["machine_id"]}},
        Json{{"macs", {"52:54:00:00:00:01"}}, {"dmi", {{"serial", "SER-1"}}}}}) {
    CoordinatorFixture c;
    INFO(match.dump());
    REQUIRE(c.admin("PUT", "/api/v1/cluster", clusterWithCore1(match)).status == 200);
    auto r = c.bootstrap("POST", "/api/v1/phone-home", machine);
    REQUIRE(r.status == 200);
    CHECK(r.body["state"] == "install-pending");
    std::string id = r.body["node_id"];
    std::string token = r.body["token"];
    REQUIRE(c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
                 R"({"install": {"phase": "installed"}})")
                .status == 200);
    c.server().sweepOnce();
    CHECK(desiredOf(c, token, id)["bgp"]["neighbors"][0]["password"] == "s3cret-md5");

    // Reprovisioned, the next machine to phone home as it must not find the password.
    REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/reprovision").status == 200);
    auto again = c.bootstrap("POST", "/api/v1/phone-home", machine);
    REQUIRE(again.status == 200);
    Json desired = desiredOf(c, again.body["token"], id);
    CHECK_FALSE(desired.contains("bgp"));
    c.server().sweepOnce();
    CHECK_FALSE(desiredOf(c, again.body["token"], id).contains("bgp"));
  }

  // The same machine where the declaration pins a MAC alone: it waits for a commission.
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", clusterWithCore1({{"macs", {"52:54:00:00:00:01"}}}))
              .status == 200);
  auto r = c.bootstrap("POST", "/api/v1/phone-home", machine);
  REQUIRE(r.status == 200);
  CHECK(r.body["state"] == "discovered");
}
