#include "coordinator/ctl/missing_node.h"

#include <catch2/catch.hpp>

using nlohmann::json;
using photon::ctl::duration;
using photon::ctl::failoverTimes;
using photon::ctl::FailoverTimes;
using photon::ctl::missingText;

TEST_CASE("missing node: how long it has been gone and when its instances move", "[placement]") {
  // The demo's settings: TTL 15 s, default grace 60 s. Last poll at t=1000.
  FailoverTimes t = failoverTimes(json{{"settings", {{"node_ttl_s", 15}}}});
  CHECK(t.node_ttl_s == 15);
  CHECK(t.failover_grace_s == 60);
  json node = {{"liveness", "missing"}, {"last_seen", 1000}};
  CHECK(missingText(node, t, 1020) == "missing 5s, fails over in 56s");
  CHECK(missingText(node, t, 1075) == "missing 1m00s, fails over in 1s");
  CHECK(missingText(node, t, 1076) == "missing 1m01s, failover due");
  CHECK(missingText(node, t, 1000 + 15 + 7200) == "missing 2h00m, failover due");

  t = failoverTimes(
      json{{"settings", {{"node_ttl_s", 30}}}, {"placement", {{"failover_grace_s", 0}}}});
  CHECK(missingText(node, t, 1031) == "missing 1s, failover due");
  CHECK(missingText(node, t, 1030) == "missing 0s, fails over in 1s");

  CHECK(missingText({{"liveness", "alive"}, {"last_seen", 1000}}, t, 5000).empty());
  CHECK(missingText({{"liveness", "missing"}}, t, 5000).empty());  // no last_seen: say nothing
  CHECK(failoverTimes(json::object()).node_ttl_s == 60);
  CHECK(duration(59) == "59s");
  CHECK(duration(3599) == "59m59s");
  CHECK(duration(200000) == "2d");
}
