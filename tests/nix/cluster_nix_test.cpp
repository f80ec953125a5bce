// nix/lib/cluster.nix evaluated by the real nix-instantiate: the example declarations give their
// golden documents, and a real coordinator accepts what they give.
#include <catch2/catch.hpp>

#include "tests/nix/nix_eval.h"
#include "tests/support/coordinator_fixture.h"

using photon::common::Json;
using namespace photon::test;

namespace {
// With --arg, the expression becomes a function of `count` (the large example's size).
Json evalCluster(const std::string& declaration_expr, const TempDir& tmp,
                 const std::vector<std::string>& extra_args = {}) {
  std::string expr = clusterOf(declaration_expr);
  if (!extra_args.empty()) expr = "{ count }: " + expr;
  auto r = nixEval(expr, tmp.path(), extra_args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return Json::parse(r.out);
}

Json golden(const std::string& name) {
  return Json::parse(readWholeFile(kNixDir + "/examples/" + name + ".json"));
}
}  // namespace

TEST_CASE("cluster.nix: the example declarations give their golden documents", "[nix]") {
  TempDir tmp;
  for (const char* name : {"lab", "minimal"}) {
    INFO(name);
    CHECK(evalCluster(example(name), tmp) == golden(name));
  }
}

TEST_CASE("cluster.nix: a real coordinator accepts the generated documents", "[nix][integration]") {
  TempDir tmp;
  CoordinatorFixture coordinator;
  for (const char* name : {"minimal", "lab"}) {
    INFO(name);
    Json doc = evalCluster(example(name), tmp);
    auto put = coordinator.admin("PUT", "/api/v1/cluster", doc);
    INFO(put.body.dump());
    REQUIRE(put.status == 200);
    auto get = coordinator.admin("GET", "/api/v1/cluster");
    REQUIRE(get.status == 200);
    CHECK(get.body["name"] == doc["name"]);
    CHECK(get.body["pools"] == doc["pools"]);
    CHECK(get.body["rules"].size() == doc["rules"].size());
    // Sections for later features are kept as generated.
    CHECK(get.body["core_services"] == doc["core_services"]);
    CHECK(get.body["vips"] == doc["vips"]);
  }
}

TEST_CASE("cluster.nix: a node declared by MAC enrolls as that node", "[nix][integration]") {
  TempDir tmp;
  CoordinatorFixture coordinator;
  REQUIRE(coordinator.admin("PUT", "/api/v1/cluster", evalCluster(example("lab"), tmp)).status ==
          200);
  // core-1 is declared with MAC 52:54:00:00:00:11; a machine with 8 cores would otherwise
  // match rule "big" and land in pool web.
  Json machine = CoordinatorFixture::machine(0x11);
  machine["facts"]["nics"][0]["mac"] = "52:54:00:00:00:11";
  auto home = coordinator.bootstrap("POST", "/api/v1/phone-home", machine);
  INFO(home.body.dump());
  REQUIRE(home.status == 200);
  auto node = coordinator.admin("GET", "/api/v1/nodes/" + home.body["node_id"].get<std::string>());
  REQUIRE(node.status == 200);
  CHECK(node.body["rule"] == "node-core-1");
  CHECK(node.body["pool"] == "infra");
  CHECK(node.body["class"] == "core");
  CHECK(node.body["labels"]["photon.io/node"] == "core-1");
  CHECK(node.body["labels"]["rack"] == "r1");
}

TEST_CASE("cluster.nix: a 1,000-node declaration evaluates and is accepted", "[nix][integration]") {
  TempDir tmp;
  Json doc = evalCluster(example("large") + " { inherit count; }", tmp, {"--arg", "count", "1000"});
  REQUIRE(doc["nodes"].size() == 1000);
  // Every named node has its own enrollment rule, plus the declaration's one.
  CHECK(doc["rules"].size() == 1001);
  // A reflector peers with every other node; a client with the two reflectors and the router.
  CHECK(doc["bgp"]["nodes"]["node-0"]["neighbors"].size() == 1000);
  CHECK(doc["bgp"]["nodes"]["node-500"]["neighbors"].size() == 3);
  CoordinatorFixture coordinator;
  auto put = coordinator.admin("PUT", "/api/v1/cluster", doc);
  INFO(put.body.dump().substr(0, 400));
  CHECK(put.status == 200);
}

TEST_CASE("ip.nix: parses and formats IPv4 like inet_pton", "[nix]") {
  TempDir tmp;
  auto r =
      nixEval("let ip = import " + kNixDir +
                  "/lib/ip.nix; in [ "
                  "(ip.parseIpv4 \"10.0.1.7\") (ip.parseIpv4 \"255.255.255.255\") "
                  "(ip.parseIpv4 \"010.0.0.1\") (ip.parseIpv4 \"256.0.0.1\") "
                  "(ip.parseIpv4 \"1.2.3\") (ip.formatIpv4 167772423) "
                  "(ip.parseCidr \"10.0.1.0/24\") (ip.parseCidr \"10.0.1.1/24\") "
                  "(ip.parseCidr \"10.0.0.0/33\") (ip.hostRoute \"10.0.0.5\") "
                  "(ip.hostRoute \"10.0.0.0/24\") (ip.isIp \"fd00::1\") (ip.isIp \"fd00:::1\") ]",
              tmp.path());
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  Json got = Json::parse(r.out);
  CHECK(got[0] == 167772423);
  CHECK(got[1] == 4294967295LL);
  CHECK(got[2].is_null());
  CHECK(got[3].is_null());
  CHECK(got[4].is_null());
  CHECK(got[5] == "10.0.1.7");
  CHECK(got[6] == Json{{"network", 167772416},
                       {"prefixLength", 24},
                       {"first", 167772416},
                       {"last", 167772671}});
  CHECK(got[7].is_null());
  CHECK(got[8].is_null());
  CHECK(got[9] == "10.0.0.5/32");
  CHECK(got[10].is_null());
  CHECK(got[11] == true);
  CHECK(got[12] == false);
}

TEST_CASE("cluster.nix: a node declared by its BMC's MAC is recognised by the in-band facts",
          "[nix][integration][power]") {
  TempDir tmp;
  CoordinatorFixture coordinator;
  Json doc = evalCluster(
      R"({ name = "bmc"; pools.lab = { cidr = "10.0.9.0/24";
             range = { start = "10.0.9.10"; end = "10.0.9.20"; }; };
           rules.everything.pool = "lab";
           nodes.box = { pool = "lab"; bmc = { driver = "ipmi"; address = "10.0.8.5";
             username = "admin"; passwordFile = "/etc/photon/bmc.pw"; mac = "52:54:00:AA:BB:01"; }; }; })",
      tmp);
  Json rule;
  for (const auto& r : doc["rules"]) {
    if (r["name"] == "node-box") rule = r;
  }
  INFO(doc.dump());
  REQUIRE(rule.is_object());
  CHECK(rule["match"] == Json{{"bmc_macs", Json::array({"52:54:00:aa:bb:01"})}});
  for (const auto& n : doc["nodes"]) {
    if (n["name"] == "box") CHECK_FALSE(n["bmc"].contains("mac"));  // not a BMC access setting
  }
  auto put = coordinator.admin("PUT", "/api/v1/cluster", doc);
  INFO(put.body.dump());
  REQUIRE(put.status == 200);

  // A machine whose BMC says that MAC falls under the node's rule; one whose BMC says another
  // (or that has none) falls under "everything".
  Json machine = CoordinatorFixture::machine(0x21);
  machine["facts"]["bmc"] = {{"channel", 1},
                             {"address", "10.0.8.5"},
                             {"address_source", "static"},
                             {"mac", "52:54:00:aa:bb:01"}};
  auto home = coordinator.bootstrap("POST", "/api/v1/phone-home", machine);
  INFO(home.body.dump());
  REQUIRE(home.status == 200);
  auto node = coordinator.admin("GET", "/api/v1/nodes/" + home.body["node_id"].get<std::string>());
  CHECK(node.body["rule"] == "node-box");
  CHECK(node.body["labels"]["photon.io/node"] == "box");
  CHECK(node.body["facts"]["bmc"]["address"] == "10.0.8.5");
  CHECK(node.body["facts"]["bmc"]["mac"] == "52:54:00:aa:bb:01");

  Json other = CoordinatorFixture::machine(0x22);
  other["facts"]["bmc"] = {{"mac", "52:54:00:aa:bb:02"}};
  auto other_home = coordinator.bootstrap("POST", "/api/v1/phone-home", other);
  REQUIRE(other_home.status == 200);
  auto other_node =
      coordinator.admin("GET", "/api/v1/nodes/" + other_home.body["node_id"].get<std::string>());
  CHECK(other_node.body["rule"] == "everything");
}
