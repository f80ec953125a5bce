#include <catch2/catch.hpp>

#include "common/api/cluster.h"

using namespace photon::common;

namespace {
Json baseCluster() {
  return Json::parse(R"({
    "name": "lab",
    "classes": [{"name": "compute"}],
    "pools": [{"name": "web", "cidr": "10.0.1.0/24", "range_start": "10.0.1.10",
               "range_end": "10.0.1.20", "gateway": "10.0.1.1"}],
    "rules": [{"name": "r", "match": {"min_cores": 4}, "class": "compute", "pool": "web"}],
    "bgp": {"asn": 65000}
  })");
}

std::string fieldOf(const Json& j) {
  auto c = clusterFromJson(j);
  REQUIRE_FALSE(c);
  return c.error().field;
}
}  // namespace

TEST_CASE("cluster: a valid declaration round-trips and keeps unknown sections", "[inventory]") {
  auto c = clusterFromJson(baseCluster());
  REQUIRE(c);
  CHECK(c->pools[0].size() == 11);
  CHECK(c->pools[0].hostname_pattern == "{pool}-{index}");
  CHECK(c->extra["bgp"]["asn"] == 65000);
  auto again = clusterFromJson(toJson(*c));
  REQUIRE(again);
  CHECK(toJson(*again) == toJson(*c));
}

TEST_CASE("cluster: each mistake names its field", "[inventory]") {
  Json j = baseCluster();
  j["name"] = "Lab!";
  CHECK(fieldOf(j) == "name");

  j = baseCluster();
  j["pools"][0]["cidr"] = "10.0.1.0/33";
  CHECK(fieldOf(j) == "pools[0].cidr");

  j = baseCluster();
  j["pools"][0]["range_end"] = "10.0.2.5";
  CHECK(fieldOf(j) == "pools[0].range_end");

  j = baseCluster();
  j["pools"][0]["gateway"] = "10.0.1.15";
  CHECK(fieldOf(j) == "pools[0].gateway");

  j = baseCluster();
  j["pools"].push_back(j["pools"][0]);
  j["pools"][1]["name"] = "db";
  CHECK(fieldOf(j) == "pools[1]");  // overlapping range

  j = baseCluster();
  j["rules"][0]["pool"] = "nope";
  CHECK(fieldOf(j) == "rules[0].pool");

  j = baseCluster();
  j["rules"][0]["match"]["macs"] = {"zz:zz"};
  CHECK(fieldOf(j) == "rules[0].match.macs[0]");

  j = baseCluster();
  j["rules"][0]["match"]["min_cores"] = "four";
  CHECK(fieldOf(j) == "rules[0].match.min_cores");

  j = baseCluster();
  j["rules"].push_back(j["rules"][0]);
  CHECK(fieldOf(j) == "rules[1].name");

  j = baseCluster();
  j["settings"] = {{"node_ttl_s", 0}};
  CHECK(fieldOf(j) == "settings.node_ttl_s");
}
