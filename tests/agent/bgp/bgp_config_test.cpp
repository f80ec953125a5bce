#include "agent/bgp/bgp_config.h"

#include <catch2/catch.hpp>

using photon::agent::parseBgpConfig;
using photon::common::Json;

namespace {

Json goodSection() {
  return Json::parse(R"({
    "asn": 65001, "router_id": "10.77.0.2", "graceful_restart": true,
    "communities": ["65000:100"],
    "neighbors": [{"address": "10.77.0.1", "asn": 65000},
                  {"address": "2001:DB8::1", "asn": 65001, "name": "rr1",
                   "route_reflector_client": true, "bfd": true, "password": "s3cret",
                   "local_address": "2001:db8::2"}],
    "vips": [{"address": "10.9.0.1/32", "service": "web", "communities": ["65000:200", "1:2:3"]},
             {"address": "2001:db8:0::9", "service": "web"}]
  })");
}

std::string errorField(const Json& section) {
  auto r = parseBgpConfig(section);
  REQUIRE_FALSE(r.has_value());
  return r.error().field;
}

}  // namespace

TEST_CASE("bgp config: a full section parses and normalizes", "[bgp]") {
  auto r = parseBgpConfig(goodSection());
  REQUIRE(r.has_value());
  CHECK(r->asn == 65001);
  REQUIRE(r->neighbors.size() == 2);
  CHECK(r->neighbors[0].name == "n_10_77_0_1");
  CHECK_FALSE(r->neighbors[0].ipv6);
  CHECK(r->neighbors[1].address == "2001:db8::1");
  CHECK(r->neighbors[1].ipv6);
  CHECK(r->neighbors[1].route_reflector_client);
  REQUIRE(r->vips.size() == 2);
  CHECK(r->vips[0].address == "10.9.0.1/32");
  REQUIRE(r->vips[0].communities.size() == 3);
  CHECK(r->vips[0].communities[0].text() == "65000:100");
  CHECK(r->vips[0].communities[2].large);
  CHECK(r->vips[1].address == "2001:db8::9/128");
  CHECK(r->vips[1].ipv6);
  CHECK_FALSE(r->withdraw_all);
}

TEST_CASE("bgp config: VIPs that are not host routes are refused", "[bgp]") {
  auto s = goodSection();
  s["vips"][0]["address"] = "10.9.0.0/24";
  CHECK(errorField(s) == "bgp.vips[0].address");
  s = goodSection();
  s["vips"][1]["address"] = "2001:db8::/64";
  CHECK(errorField(s) == "bgp.vips[1].address");
  s = goodSection();
  s["vips"][0]["address"] = "10.9.0.1/32; }";
  CHECK(errorField(s) == "bgp.vips[0].address");
  s = goodSection();
  s["vips"][1]["address"] = "10.9.0.1";  // the same VIP twice
  CHECK(errorField(s) == "bgp.vips[1].address");
}

TEST_CASE("bgp config: ASNs out of 1..4294967295 are refused", "[bgp]") {
  auto s = goodSection();
  s["asn"] = 0;
  CHECK(errorField(s) == "bgp.asn");
  s["asn"] = 4294967296LL;
  CHECK(errorField(s) == "bgp.asn");
  s = goodSection();
  s["neighbors"][0]["asn"] = -1;
  CHECK(errorField(s) == "bgp.neighbors[0].asn");
  s["neighbors"][0]["asn"] = 4294967295LL;
  CHECK(parseBgpConfig(s).has_value());
}

TEST_CASE("bgp config: neighbours that do not parse are refused", "[bgp]") {
  auto s = goodSection();
  s["neighbors"][0]["address"] = "10.77.0.300";
  CHECK(errorField(s) == "bgp.neighbors[0].address");
  s = goodSection();
  s["neighbors"][0] = "10.77.0.1";
  CHECK(errorField(s) == "bgp.neighbors[0]");
  s = goodSection();
  s["neighbors"][1] = {{"address", "10.77.0.1"}, {"asn", 65002}, {"name", "other"}};
  CHECK(errorField(s) == "bgp.neighbors[1].address");
  s = goodSection();
  s["neighbors"][0]["route_reflector_client"] = true;  // eBGP cannot be an RR client
  CHECK(errorField(s) == "bgp.neighbors[0].route_reflector_client");
  s = goodSection();
  s["neighbors"][1].erase("local_address");  // multihop BFD without our address
  CHECK(errorField(s) == "bgp.neighbors[1].bfd");
  s = goodSection();
  s["neighbors"][1]["local_address"] = "10.77.0.2";
  CHECK(errorField(s) == "bgp.neighbors[1].local_address");
  s = goodSection();
  s["router_id"] = "router-1";
  CHECK(errorField(s) == "bgp.router_id");
}

TEST_CASE("bgp config: strings BIRD would read as syntax are refused", "[bgp]") {
  auto s = goodSection();
  s["neighbors"][0]["name"] = "up; protocol";
  CHECK(errorField(s) == "bgp.neighbors[0].name");
  s["neighbors"][0]["name"] = "Upstream-1";
  CHECK(errorField(s) == "bgp.neighbors[0].name");
  s = goodSection();
  s["neighbors"][1]["password"] = "a\"; export all; \"";
  CHECK(errorField(s) == "bgp.neighbors[1].password");
  s["neighbors"][1]["password"] = "back\\slash";
  CHECK(errorField(s) == "bgp.neighbors[1].password");
  s = goodSection();
  s["vips"][0]["service"] = "web\n}";
  CHECK(errorField(s) == "bgp.vips[0].service");
  s = goodSection();
  s["communities"] = {"65536:1"};
  CHECK(errorField(s) == "bgp.communities[0]");
  s["communities"] = {"65000:1)); export all; ((1"};
  CHECK(errorField(s) == "bgp.communities[0]");
}

TEST_CASE("bgp config: BFD defaults on for an external neighbour, timers are validated", "[bgp]") {
  auto r = parseBgpConfig(goodSection());
  REQUIRE(r.has_value());
  // External, same segment: BFD at the default 100 ms x 3; hold 9 s, keepalive 3 s.
  CHECK(r->neighbors[0].timers.bfd.enabled);
  CHECK(r->neighbors[0].timers.bfd.interval_ms == 100);
  CHECK(r->neighbors[0].timers.hold_time_s == 9);
  CHECK(r->neighbors[0].timers.keepalive_time_s == 3);
  CHECK(r->neighbors[1].timers.bfd.enabled);  // internal, asked for

  auto s = goodSection();
  s["neighbors"][0]["bfd"] = false;
  s["neighbors"][0]["hold_time"] = 3;
  s["neighbors"][1].erase("bfd");
  r = parseBgpConfig(s);
  REQUIRE(r.has_value());
  CHECK_FALSE(r->neighbors[0].timers.bfd.enabled);
  CHECK(r->neighbors[0].timers.hold_time_s == 3);
  CHECK(r->neighbors[0].timers.keepalive_time_s == 1);
  CHECK_FALSE(r->neighbors[1].timers.bfd.enabled);  // internal: off unless asked for

  s = goodSection();
  s["neighbors"][0]["hold_time"] = 2;
  CHECK(errorField(s) == "bgp.neighbors[0].hold_time");
  s = goodSection();
  s["neighbors"][0]["keepalive_time"] = 9;
  CHECK(errorField(s) == "bgp.neighbors[0].keepalive_time");
  s = goodSection();
  s["neighbors"][0]["bfd"] = {{"interval_ms", 100}, {"multiplier", 0}};
  CHECK(errorField(s) == "bgp.neighbors[0].bfd.multiplier");
}
