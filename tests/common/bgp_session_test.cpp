#include "common/api/bgp_session.h"

#include <catch2/catch.hpp>

#include "common/api/cluster.h"

using namespace photon::common;

namespace {
std::string errorField(const Json& neighbor, bool direct = true) {
  auto t = readSessionTimers(neighbor, "n", direct);
  REQUIRE_FALSE(t);
  return t.error().field;
}
}  // namespace

TEST_CASE("bgp session: BFD is on by default for a direct (external) peer only", "[bgp]") {
  auto external = readSessionTimers(Json::object(), "n", true);
  REQUIRE(external);
  CHECK(external->bfd.enabled);
  CHECK(external->bfd.interval_ms == 100);
  CHECK(external->bfd.multiplier == 3);
  CHECK(external->hold_time_s == 9);
  CHECK(external->keepalive_time_s == 3);

  auto internal = readSessionTimers(Json::object(), "n", false);
  REQUIRE(internal);
  CHECK_FALSE(internal->bfd.enabled);

  auto off = readSessionTimers({{"bfd", false}}, "n", true);
  REQUIRE(off);
  CHECK_FALSE(off->bfd.enabled);
  auto on = readSessionTimers({{"bfd", true}}, "n", false);
  REQUIRE(on);
  CHECK(on->bfd.enabled);
}

TEST_CASE("bgp session: BFD timers and hold/keepalive times are read", "[bgp]") {
  auto t = readSessionTimers({{"bfd", {{"interval_ms", 50}, {"multiplier", 5}}}, {"hold_time", 30}},
                             "n", false);
  REQUIRE(t);
  CHECK(t->bfd == BfdTimers{true, 50, 5});
  CHECK(t->hold_time_s == 30);
  CHECK(t->keepalive_time_s == 10);  // a third of the hold time

  t = readSessionTimers({{"hold_time", 3}, {"keepalive_time", 1}}, "n", true);
  REQUIRE(t);
  CHECK(t->hold_time_s == 3);
  CHECK(t->keepalive_time_s == 1);

  t = readSessionTimers({{"hold_time", 0}}, "n", true);
  REQUIRE(t);
  CHECK(t->hold_time_s == 0);
  CHECK(t->keepalive_time_s == 0);

  t = readSessionTimers({{"bfd", {{"multiplier", 4}}}}, "n", true);
  REQUIRE(t);
  CHECK(t->bfd == BfdTimers{true, 100, 4});
}

TEST_CASE("bgp session: each bad timer is refused naming its field", "[bgp]") {
  CHECK(errorField({{"hold_time", 2}}) == "n.hold_time");
  CHECK(errorField({{"hold_time", 1}}) == "n.hold_time");
  CHECK(errorField({{"hold_time", 65536}}) == "n.hold_time");
  CHECK(errorField({{"hold_time", "9"}}) == "n.hold_time");
  CHECK(errorField({{"hold_time", 9}, {"keepalive_time", 9}}) == "n.keepalive_time");
  CHECK(errorField({{"keepalive_time", 9}}) == "n.keepalive_time");  // default hold is 9
  CHECK(errorField({{"hold_time", 0}, {"keepalive_time", 3}}) == "n.keepalive_time");
  CHECK(errorField({{"keepalive_time", 0}}) == "n.keepalive_time");
  CHECK(errorField({{"bfd", "yes"}}) == "n.bfd");
  CHECK(errorField({{"bfd", {{"interval_ms", 5}}}}) == "n.bfd.interval_ms");
  CHECK(errorField({{"bfd", {{"interval_ms", 100}, {"multiplier", 0}}}}) == "n.bfd.multiplier");
  CHECK(errorField({{"bfd", {{"multiplier", 256}}}}) == "n.bfd.multiplier");
  CHECK(errorField({{"bfd", {{"interval", 100}}}}) == "n.bfd.interval");
}

TEST_CASE("bgp session: a declaration with a bad timer is refused naming the neighbour",
          "[bgp][declaration]") {
  Json j = Json::parse(R"({
    "name": "lab",
    "bgp": {"asn": 65000,
            "peers": [{"address": "10.0.0.1", "asn": 65100}],
            "nodes": {"n1": {"asn": 65001, "router_id": "10.0.0.11",
                             "neighbors": [{"address": "10.0.0.1", "asn": 65100},
                                           {"address": "10.0.0.12", "asn": 65001}]}}}
  })");
  REQUIRE(clusterFromJson(j));

  Json bad = j;
  bad["bgp"]["nodes"]["n1"]["neighbors"][1]["hold_time"] = 2;
  auto c = clusterFromJson(bad);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == ErrorCode::kInvalid);
  CHECK(c.error().field == "bgp.nodes.n1.neighbors[1].hold_time");

  bad = j;
  bad["bgp"]["peers"][0]["bfd"] = {{"interval_ms", 1}};
  c = clusterFromJson(bad);
  REQUIRE_FALSE(c);
  CHECK(c.error().field == "bgp.peers[0].bfd.interval_ms");

  bad = j;
  bad["bgp"]["nodes"]["n1"]["neighbors"] = "10.0.0.1";
  c = clusterFromJson(bad);
  REQUIRE_FALSE(c);
  CHECK(c.error().field == "bgp.nodes.n1.neighbors");

  bad = j;
  bad["bgp"]["nodes"] = Json::array();
  c = clusterFromJson(bad);
  REQUIRE_FALSE(c);
  CHECK(c.error().field == "bgp.nodes");
}
