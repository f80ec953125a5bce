#include <catch2/catch.hpp>

#include <set>

#include "tests/coordinator/placement/sim_cluster.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;
using test::SimCluster;
using test::SimNode;

namespace {
Json withPort(int port, int max_parallel = 1) {
  return SimCluster::service(
      4,
      {{"update", {{"max_parallel", max_parallel}, {"min_healthy_s", 10}, {"auto_revert", true}}},
       {"instance",
        {{"exec", {"/run/current-system/sw/bin/web", "--port", std::to_string(port)}},
         {"health", {{"tcp", {{"port", port}}}}}}}});
}

std::map<std::string, int> revisions(SimCluster& sim) {
  std::map<std::string, int> out;
  Json all = sim.allocations("web");
  for (const auto& a : all["allocations"]) ++out[a["revision"].get<std::string>()];
  return out;
}
}  // namespace

TEST_CASE(
    "rolling update: max_parallel at a time, each healthy for min_healthy_s, a failing "
    "revision reverts to the last healthy spec",
    "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  for (int i = 0; i < 4; ++i) sim.addNode(i, {{"rack", "r" + std::to_string(i)}});
  auto v1 = sim.putService("web", withPort(8080));
  REQUIRE(v1.status == 201);
  const std::string r1 = v1.body["instance_revision"];
  sim.settle();
  c.clock().advance(11);
  sim.settle(1);
  CHECK(c.admin("GET", "/api/v1/services/web").body["status"]["last_healthy_revision"] == r1);

  // v2 rolls one instance at a time.
  auto v2 = sim.putService("web", withPort(8081));
  REQUIRE(v2.status == 200);
  const std::string r2 = v2.body["instance_revision"];
  REQUIRE(r2 != r1);
  sim.settle(2);
  CHECK(revisions(sim) == std::map<std::string, int>{{r1, 3}, {r2, 1}});
  // Healthy but not for 10 s yet: no progress however many rounds pass.
  sim.settle(3);
  CHECK(revisions(sim)[r2] == 1);
  for (int i = 0; i < 3; ++i) {
    c.clock().advance(11);
    sim.settle(1);
  }
  CHECK(revisions(sim) == std::map<std::string, int>{{r2, 4}});
  c.clock().advance(11);
  sim.settle(1);
  CHECK(c.admin("GET", "/api/v1/services/web").body["status"]["last_healthy_revision"] == r2);
  // The nodes' desired units carry the new instance.
  for (const auto& n : sim.nodes()) {
    for (const auto& u : sim.units(n)) {
      CHECK(u["revision"] == r2);
      CHECK(u["exec"][2] == "8081");
    }
  }

  // v3 fails its health check: placement goes back to v2.
  auto v3 = sim.putService("web", withPort(9999));
  REQUIRE(v3.status == 200);
  const std::string r3 = v3.body["instance_revision"];
  auto failing = [&](const Json& u) {
    return u["revision"] == r3 ? std::string("unhealthy") : std::string("healthy");
  };
  sim.settle(3, failing);
  auto shown = c.admin("GET", "/api/v1/services/web").body;
  CHECK(shown["status"]["reverted_from"] == r3);
  CHECK(shown["status"]["revert_reason"].get<std::string>().find("unhealthy") != std::string::npos);
  CHECK(shown["spec"]["instance"]["exec"][2] == "8081");
  CHECK(shown["status"]["instance_revision"] == r2);
  sim.settle(3, failing);
  CHECK(revisions(sim) == std::map<std::string, int>{{r2, 4}});
}

TEST_CASE("rolling update: without auto_revert a failing revision pauses the rollout",
          "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  for (int i = 0; i < 3; ++i) sim.addNode(i, {{"rack", "r" + std::to_string(i)}});
  auto v1 = sim.putService("web", withPort(8080, 2));
  REQUIRE(v1.status == 201);
  sim.settle();
  c.clock().advance(11);
  sim.settle(1);
  Json bad = withPort(9999, 2);
  bad["update"]["auto_revert"] = false;
  auto v2 = sim.putService("web", bad);
  const std::string r2 = v2.body["instance_revision"];
  auto failing = [&](const Json& u) {
    return u["revision"] == r2 ? std::string("unhealthy") : std::string("healthy");
  };
  for (int i = 0; i < 3; ++i) {
    c.clock().advance(11);
    sim.settle(1, failing);
  }
  CHECK(revisions(sim)[r2] == 2);  // max_parallel 2, then stopped
  auto status = c.admin("GET", "/api/v1/services/web").body["status"];
  CHECK(status["paused_reason"].get<std::string>().find("paused") != std::string::npos);
  CHECK_FALSE(status.contains("reverted_from"));
}

TEST_CASE("core services stay pinned to their declared nodes and carry their VIPs into bgp",
          "[placement][integration]") {
  CoordinatorFixture c;
  Json extra = Json::parse(R"({
    "core_services": [
      {"name": "etcd", "nodes": ["core-1", "core-2"], "resources": {"memory_bytes": 1073741824},
       "instance": {"exec": ["/run/current-system/sw/bin/etcd"]}},
      {"name": "coordinator", "nodes": ["core-1"]}
    ],
    "vips": [{"name": "api", "address": "10.0.100.1/32", "service": "etcd"},
             {"name": "web", "address": "10.0.100.2/32", "service": "web"}],
    "bgp": {"asn": 65000, "nodes": {
      "core-1": {"asn": 65000, "router_id": "10.0.0.11", "neighbors": [{"address": "10.0.0.1", "asn": 65100}]},
      "core-2": {"asn": 65000, "router_id": "10.0.0.12", "neighbors": [{"address": "10.0.0.1", "asn": 65100}]},
      "core-3": {"asn": 65000, "router_id": "10.0.0.13", "neighbors": [{"address": "10.0.0.1", "asn": 65100}]}
    }},
    "placement": {"failover_grace_s": 10}
  })");
  SimCluster sim(c, extra);
  auto core1 = sim.addNode(1, {{"photon.io/node", "core-1"}, {"rack", "r1"}});
  auto core2 = sim.addNode(2, {{"photon.io/node", "core-2"}, {"rack", "r2"}});
  auto core3 = sim.addNode(3, {{"photon.io/node", "core-3"}, {"rack", "r3"}});
  sim.settle();
  auto etcd = sim.allocations("etcd")["allocations"];
  REQUIRE(etcd.size() == 2);
  std::set<std::string> on;
  for (const auto& a : etcd) on.insert(a["node"]);
  CHECK(on == std::set<std::string>{core1.id, core2.id});
  CHECK(sim.allocations("coordinator")["allocations"].size() == 1);
  // etcd runs as a unit; the coordinator core service only reserves capacity.
  CHECK(sim.instanceNames(core1).size() == 1);
  CHECK(sim.units(core1)[0]["service"] == "etcd");
  CHECK(sim.units(core3).empty());
  // A core service is changed through the declaration, not the API.
  CHECK(c.admin("DELETE", "/api/v1/services/etcd").status == 409);
  CHECK(sim.putService("etcd", SimCluster::service(1)).status == 409);

  // BGP: each declared node gets its config; VIPs follow the services placed there.
  auto bgp1 = sim.desired(core1)["bgp"];
  CHECK(bgp1["router_id"] == "10.0.0.11");
  REQUIRE(bgp1["vips"].size() == 1);
  CHECK(bgp1["vips"][0] == Json{{"address", "10.0.100.1/32"}, {"service", "etcd"}});
  CHECK(sim.desired(core3)["bgp"]["vips"].empty());
  REQUIRE(
      sim.putService("web", SimCluster::service(1, {{"selector", {{"labels", {{"rack", "r3"}}}}}}))
          .status == 201);
  sim.settle(1);
  auto bgp3 = sim.desired(core3)["bgp"];
  REQUIRE(bgp3["vips"].size() == 1);
  CHECK(bgp3["vips"][0]["service"] == "web");

  // core-2 goes silent far past TTL + grace: etcd stays pinned there, never moved.
  for (int i = 0; i < 10; ++i) {
    c.clock().advance(20);
    sim.reportAll({}, core2.id);
    sim.round();
  }
  etcd = sim.allocations("etcd")["allocations"];
  REQUIRE(etcd.size() == 2);
  on.clear();
  for (const auto& a : etcd) {
    on.insert(a["node"]);
    CHECK_FALSE(a.value("lost", false));
  }
  CHECK(on == std::set<std::string>{core1.id, core2.id});
  CHECK(sim.instanceNames(core2).size() == 1);
}
