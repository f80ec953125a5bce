// photonctl bgp router-config's generator: the router's side of every node's session from the
// declaration, checked by hand-made declarations and by BIRD's own parser.
#include "coordinator/ctl/router_config.h"

#include <catch2/catch.hpp>

#include "tests/coordinator/ctl/bird_parse.h"
#include "tests/support/temp_dir.h"

using photon::common::Json;
using photon::ctl::renderRouterBirdConfig;
using photon::ctl::RouterConfigOptions;

namespace {

// The demo's fabric: node n is AS 6500n at 10.99.0.1n, the router AS 65000 at 10.99.0.1.
Json fabric() {
  return Json::parse(R"({
    "name": "demo",
    "nodes": [{"name": "node1", "address": "10.99.0.11"}, {"name": "node2", "address": ""}],
    "bgp": {"nodes": {
      "node1": {"asn": 65001, "router_id": "10.99.0.11",
                "neighbors": [{"address": "10.99.0.1", "asn": 65000, "name": "fabric"}]},
      "node2": {"asn": 65002, "router_id": "10.99.0.12",
                "neighbors": [{"address": "10.99.0.1", "asn": 65000, "password": "s3cret",
                               "hold_time": 3}]},
      "node3": {"asn": 65003, "router_id": "10.99.0.13",
                "neighbors": [{"address": "10.99.0.1", "asn": 65000, "bfd": false},
                              {"address": "10.99.0.12", "asn": 65003}]}}},
    "vips": [{"name": "web", "address": "10.99.2.10/32", "service": "web"},
             {"name": "api", "address": "10.99.2.11", "service": "api"},
             {"name": "v6", "address": "2001:db8::10", "service": "web"}]
  })");
}

std::string render(const Json& cluster, RouterConfigOptions options = {}) {
  auto r = renderRouterBirdConfig(cluster, options);
  INFO((r ? "" : r.error().field + ": " + r.error().message));
  REQUIRE(r.has_value());
  return *r;
}

std::string errorField(const Json& cluster, RouterConfigOptions options = {}) {
  auto r = renderRouterBirdConfig(cluster, options);
  REQUIRE_FALSE(r.has_value());
  return r.error().field;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("router config: one session per node with its password, timers and BFD", "[bgp]") {
  auto conf = render(fabric());
  CHECK(has(conf, "router id 10.99.0.1;\n"));
  CHECK(has(conf, "protocol bfd photon_bfd {\n}\n"));
  CHECK(has(conf,
            "protocol bgp photon_node1 {\n  description \"node node1\";\n"
            "  local 10.99.0.1 as 65000;\n  neighbor 10.99.0.11 as 65001;\n"
            "  connect delay time 1;\n  hold time 9;\n  keepalive time 3;\n"
            "  bfd { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };\n"
            "  ipv4 { import filter photon_from_nodes4; export none; };\n}\n"));
  // node2's declared address is empty: its router id is where it speaks from.
  CHECK(has(conf,
            "  neighbor 10.99.0.12 as 65002;\n  connect delay time 1;\n  hold time 3;\n"
            "  keepalive time 1;\n  password \"s3cret\";\n  bfd {"));
  // node3 turned BFD off; its internal neighbour is not the router's business.
  auto node3 = conf.substr(conf.find("protocol bgp photon_node3"));
  CHECK_FALSE(has(node3, "bfd"));
  CHECK(has(node3, "neighbor 10.99.0.13 as 65003;"));
  CHECK_FALSE(has(conf, "photon_node3_"));
}

TEST_CASE("router config: the import filter accepts the declared VIPs only", "[bgp]") {
  auto conf = render(fabric());
  CHECK(has(conf,
            "filter photon_from_nodes4 {\n"
            "  if net ~ [ 10.99.2.10/32, 10.99.2.11/32 ] then accept;\n  reject;\n}\n"));
  CHECK_FALSE(has(conf, "2001:db8::10"));  // an IPv4 session carries no IPv6 VIP

  Json none = fabric();
  none.erase("vips");
  CHECK(has(render(none), "filter photon_from_nodes4 {\n  reject;\n}\n"));
  Json bad = fabric();
  bad["vips"][1]["address"] = "10.99.2.0/24";
  CHECK(errorField(bad) == "vips[1].address");
}

TEST_CASE("router config: BIRD accepts what is generated", "[bgp]") {
  photon::test::TempDir dir;
  auto [code, message] = photon::test::birdParse(dir, "router.conf", render(fabric()));
  INFO(message);
  CHECK(code == 0);
  // And an IPv6 router, named explicitly, with a router id given.
  Json v6 = Json::parse(R"({"name": "lab", "bgp": {"asn": 65001, "nodes": {
    "n-1": {"router_id": "10.0.0.11", "neighbors": [
      {"address": "2001:db8::1", "asn": 65000, "local_address": "2001:db8::11"},
      {"address": "10.0.0.1", "asn": 65000}]}}},
    "vips": [{"address": "2001:db8:1::9/128", "service": "web"}]})");
  auto conf = render(v6, {"2001:db8::1", "10.0.0.1"});
  CHECK(has(conf, "protocol bgp photon_n_1 {"));
  CHECK(has(conf, "if net ~ [ 2001:db8:1::9/128 ] then accept;"));
  CHECK(has(conf, "ipv6 { import filter photon_from_nodes6; export none; };"));
  auto [code6, message6] = photon::test::birdParse(dir, "router6.conf", conf);
  INFO(message6);
  CHECK(code6 == 0);
}

TEST_CASE("router config: mistakes name the field or the option", "[bgp]") {
  Json two = fabric();
  two["bgp"]["nodes"]["node1"]["neighbors"].push_back({{"address", "10.99.0.2"}, {"asn", 65000}});
  CHECK(errorField(two) == "--router");  // two routers: which one?
  CHECK(has(render(two, {"10.99.0.2", ""}), "neighbor 10.99.0.11 as 65001;"));
  CHECK(errorField(fabric(), {"10.99.0.77", ""}) == "--router");
  CHECK(errorField(fabric(), {"router", ""}) == "--router");

  Json bad = fabric();
  bad["bgp"]["nodes"]["node2"]["neighbors"][0]["password"] = "a\"; export all; \"";
  CHECK(errorField(bad) == "bgp.nodes.node2.neighbors[0].password");
  bad = fabric();
  bad["bgp"]["nodes"]["node2"]["neighbors"][0]["hold_time"] = 2;
  CHECK(errorField(bad) == "bgp.nodes.node2.neighbors[0].hold_time");
  bad = fabric();
  bad["bgp"]["nodes"]["node2"]["neighbors"][0]["asn"] = 65009;
  CHECK(errorField(bad) == "bgp.nodes.node2.neighbors[0].asn");
  bad = fabric();
  bad.erase("bgp");
  CHECK(errorField(bad) == "bgp.nodes");
  // An IPv6 router without a router id to give BIRD.
  CHECK(errorField(Json::parse(R"({"bgp": {"nodes": {"n1": {"asn": 65001, "neighbors": [
    {"address": "2001:db8::1", "asn": 65000, "local_address": "2001:db8::11"}]}}}})")) ==
        "--router-id");
}
