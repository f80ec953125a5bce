#include "agent/bgp/bird_config.h"

#include <catch2/catch.hpp>

#include "tests/agent/bgp/fixture_file.h"

using namespace photon::agent;

namespace {

BgpConfig config() {
  auto r = parseBgpConfig(photon::common::Json::parse(R"({
    "asn": 65001, "router_id": "10.77.0.2", "communities": ["65000:100"],
    "neighbors": [{"address": "10.77.0.1", "asn": 65000, "name": "tor1"},
                  {"address": "2001:db8::1", "asn": 65001, "route_reflector_client": true,
                   "bfd": {"interval_ms": 200, "multiplier": 5}, "hold_time": 0,
                   "local_address": "2001:db8::2", "password": "s3cret"}],
    "vips": [{"address": "10.9.0.2/32", "service": "web", "communities": ["65000:1:2"]},
             {"address": "10.9.0.1/32", "service": "web"},
             {"address": "2001:db8::9/128", "service": "web"}]
  })"));
  REQUIRE(r.has_value());
  return *r;
}

// The config without the static protocols' routes: everything a VIP must never change.
std::string withoutRoutes(const std::string& text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    auto line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos + 1);
    if (!line.starts_with("  route ")) out += line;
    pos = nl == std::string::npos ? text.size() : nl + 1;
  }
  return out;
}

}  // namespace

TEST_CASE("bird config: renders the golden file", "[bgp]") {
  auto c = config();
  CHECK(renderBirdConfig(c, c.vips) == photon::test::bgpFixture("golden_bird.conf"));
}

TEST_CASE("bird config: a VIP change keeps every bgp block and filter", "[bgp]") {
  auto c = config();
  auto all = renderBirdConfig(c, c.vips);
  auto none = renderBirdConfig(c, {});
  auto one = renderBirdConfig(c, {c.vips[1]});
  CHECK(all != none);
  CHECK(all != one);
  CHECK(withoutRoutes(all) == withoutRoutes(none));
  CHECK(withoutRoutes(all) == withoutRoutes(one));
  CHECK(one.find("  route 10.9.0.1/32 blackhole { bgp_community.add((65000,100)); };\n") !=
        std::string::npos);
}

TEST_CASE("bird config: the order of VIPs does not change the text", "[bgp]") {
  auto c = config();
  auto reversed = c.vips;
  std::reverse(reversed.begin(), reversed.end());
  CHECK(renderBirdConfig(c, c.vips) == renderBirdConfig(c, reversed));
}
