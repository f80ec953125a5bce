// The declaration's BGP timers through the real coordinator and photonctl: a bad one is a 400
// naming the field; `photonctl bgp router-config` prints a config BIRD accepts.
#include <catch2/catch.hpp>

#include "tests/coordinator/ctl/bird_parse.h"
#include "tests/support/photonctl_runner.h"

using photon::common::Json;
using photon::test::CoordinatorFixture;

namespace {
Json withBgp() {
  Json cluster = CoordinatorFixture::sampleCluster();
  cluster["bgp"] = Json::parse(R"({"asn": 65000, "nodes": {
    "node1": {"asn": 65001, "router_id": "10.0.1.21",
              "neighbors": [{"address": "10.0.1.1", "asn": 65100, "password": "pw1"}]},
    "node2": {"asn": 65002, "router_id": "10.0.1.22",
              "neighbors": [{"address": "10.0.1.1", "asn": 65100, "bfd": false,
                             "hold_time": 3}]}}})");
  cluster["vips"] = Json::parse(R"([{"name": "web", "address": "10.0.9.1/32", "service": "web"}])");
  return cluster;
}
}  // namespace

TEST_CASE("bgp ctl: PUT /cluster refuses bad session timers naming the field",
          "[bgp][integration]") {
  CoordinatorFixture c;
  Json bad = withBgp();
  bad["bgp"]["nodes"]["node2"]["neighbors"][0]["hold_time"] = 1;
  auto r = c.admin("PUT", "/api/v1/cluster", bad);
  CHECK(r.status == 400);
  CHECK(r.body["field"] == "bgp.nodes.node2.neighbors[0].hold_time");
  bad = withBgp();
  bad["bgp"]["nodes"]["node1"]["neighbors"][0]["bfd"] = {{"interval_ms", 100}, {"multiplier", 0}};
  r = c.admin("PUT", "/api/v1/cluster", bad);
  CHECK(r.status == 400);
  CHECK(r.body["field"] == "bgp.nodes.node1.neighbors[0].bfd.multiplier");
  CHECK(c.admin("PUT", "/api/v1/cluster", withBgp()).status == 200);
}

TEST_CASE("bgp ctl: photonctl bgp router-config prints the router's config from the declaration",
          "[bgp][integration]") {
  CoordinatorFixture c;
  photon::test::PhotonctlRunner ctl{c};
  std::string out;
  // No declaration yet: the coordinator's error, exit 1.
  CHECK(ctl.run({"bgp", "router-config"}, out) == 1);
  REQUIRE(c.admin("PUT", "/api/v1/cluster", withBgp()).status == 200);
  REQUIRE(ctl.run({"bgp", "router-config"}, out) == 0);
  INFO(out);
  CHECK(out.find("neighbor 10.0.1.21 as 65001;") != std::string::npos);
  CHECK(out.find("password \"pw1\";") != std::string::npos);
  CHECK(out.find("if net ~ [ 10.0.9.1/32 ] then accept;") != std::string::npos);
  auto [code, message] = photon::test::birdParse(ctl.dir, "router.conf", out);
  INFO(message);
  CHECK(code == 0);

  CHECK(ctl.run({"bgp", "router-config", "--router", "10.0.1.99"}, out) == 1);
  CHECK(out.find("--router: no node has 10.0.1.99 as a BGP neighbour") != std::string::npos);
  CHECK(ctl.run({"bgp", "router-config", "--format", "frr"}, out) == 2);
  CHECK(ctl.run({"bgp", "router-config", "--bogus"}, out) == 2);
}
