#include <catch2/catch.hpp>

#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

namespace {
std::string enroll(CoordinatorFixture& c, int n, int cores = 8) {
  auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(n, cores));
  REQUIRE(r.status == 200);
  return r.body["node_id"];
}

// Takes an enrolled, install-pending node to active as its agent would.
std::string activeNode(CoordinatorFixture& c, int n) {
  auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(n));
  REQUIRE(r.status == 200);
  std::string id = r.body["node_id"], token = r.body["token"];
  REQUIRE(c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
               R"({"install": {"phase": "installing"}})")
              .status == 200);
  REQUIRE(c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
               R"({"install": {"phase": "installed"}})")
              .status == 200);
  REQUIRE(c.admin("GET", "/api/v1/nodes/" + id).body["state"] == "active");
  return id;
}
}  // namespace

TEST_CASE("nodes: list with filters by state, pool and label, with the store revision",
          "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  std::string big = enroll(c, 1);
  std::string small = enroll(c, 2, 2);
  REQUIRE(c.admin("PATCH", "/api/v1/nodes/" + small,
                  Json{{"labels", {{"rack", "r2"}, {"tor-port", "swp3"}}}})
              .status == 200);

  auto all = c.admin("GET", "/api/v1/nodes");
  REQUIRE(all.status == 200);
  CHECK(all.body["nodes"].size() == 2);
  CHECK(all.body["revision"].get<int64_t>() > 0);
  auto pending = c.admin("GET", "/api/v1/nodes?state=install-pending");
  REQUIRE(pending.body["nodes"].size() == 1);
  CHECK(pending.body["nodes"][0]["id"] == big);
  CHECK(c.admin("GET", "/api/v1/nodes?pool=web").body["nodes"].size() == 1);
  auto rack = c.admin("GET", "/api/v1/nodes?label=rack=r2&label=tor-port=swp3");
  REQUIRE(rack.body["nodes"].size() == 1);
  CHECK(rack.body["nodes"][0]["id"] == small);
  CHECK(c.admin("GET", "/api/v1/nodes?label=rack=r9").body["nodes"].empty());
  CHECK(c.admin("GET", "/api/v1/nodes?state=bogus").status == 400);
}

TEST_CASE("nodes: labels are merged and removed with null, unknown fields are refused",
          "[inventory][integration]") {
  CoordinatorFixture c;
  std::string id = enroll(c, 1);
  auto r = c.admin("PATCH", "/api/v1/nodes/" + id, Json{{"labels", {{"a", "1"}, {"b", "2"}}}});
  REQUIRE(r.status == 200);
  r = c.admin("PATCH", "/api/v1/nodes/" + id, Json{{"labels", {{"a", nullptr}, {"c", "3"}}}});
  CHECK(r.body["labels"] == Json{{"b", "2"}, {"c", "3"}});
  auto bad = c.admin("PATCH", "/api/v1/nodes/" + id, Json{{"state", "active"}});
  CHECK(bad.status == 400);
  CHECK(bad.body["field"] == "state");
  bad = c.admin("PATCH", "/api/v1/nodes/" + id, Json{{"labels", {{"Bad Key", "x"}}}});
  CHECK(bad.status == 400);
  bad = c.admin("PATCH", "/api/v1/nodes/" + id, Json{{"pool", "nope"}});
  CHECK(bad.status == 400);
  CHECK(bad.body["field"] == "pool");
  CHECK(c.admin("PATCH", "/api/v1/nodes/node-nothere", Json{{"labels", Json::object()}}).status ==
        404);
}

TEST_CASE("nodes: actions walk the lifecycle and an illegal one is a 409 with the allowed list",
          "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  std::string id = activeNode(c, 1);
  auto drain = c.admin("POST", "/api/v1/nodes/" + id + "/actions/drain");
  REQUIRE(drain.status == 200);
  CHECK(drain.body["state"] == "draining");
  // Nothing is placed on it, so the next sweep completes the drain.
  c.server().sweepOnce();
  CHECK(c.admin("GET", "/api/v1/nodes/" + id).body["state"] == "drained");
  auto illegal = c.admin("POST", "/api/v1/nodes/" + id + "/actions/install");
  CHECK(illegal.status == 409);
  CHECK(illegal.body["allowed"] == Json{"undrain", "reprovision", "rescue", "retire"});
  CHECK(c.admin("POST", "/api/v1/nodes/" + id + "/actions/undrain").body["state"] == "active");
  CHECK(c.admin("POST", "/api/v1/nodes/" + id + "/actions/frobnicate").status == 400);
  CHECK(c.admin("POST", "/api/v1/nodes/nobody/actions/drain").status == 404);

  // An active node booting the installer again is refused until it is reprovisioned.
  auto again = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  CHECK(again.status == 409);
  CHECK(again.body["allowed"].size() > 0);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/reprovision").body["state"] ==
          "reprovisioning");
  again = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(again.status == 200);
  CHECK(again.body["state"] == "install-pending");
  CHECK(again.body["install_plan"]["address"] == "10.0.1.10");  // keeps its address
}

TEST_CASE("nodes: a node stuck past its deadline moves to the failure state",
          "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  std::string installing = enroll(c, 1);  // install-pending, deadline 120 s
  std::string commissioning = enroll(c, 2, 2);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + commissioning + "/actions/commission").status == 200);

  c.clock().advance(59);
  c.server().sweepOnce();
  CHECK(c.admin("GET", "/api/v1/nodes/" + commissioning).body["state"] == "commissioning");
  c.clock().advance(2);  // past the 60 s commission deadline
  c.server().sweepOnce();
  auto failed = c.admin("GET", "/api/v1/nodes/" + commissioning);
  CHECK(failed.body["state"] == "commission-failed");
  CHECK(failed.body["last_error"].get<std::string>().find("deadline") != std::string::npos);
  CHECK(c.admin("GET", "/api/v1/nodes/" + installing).body["state"] == "install-pending");
  c.clock().advance(60);
  c.server().sweepOnce();
  CHECK(c.admin("GET", "/api/v1/nodes/" + installing).body["state"] == "install-failed");
  // install-failed can be retried by the operator.
  CHECK(c.admin("POST", "/api/v1/nodes/" + installing + "/actions/install").body["state"] ==
        "install-pending");
}

TEST_CASE("nodes: an active node that stops polling is missing, and back on its next poll",
          "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  std::string id = r.body["node_id"], token = r.body["token"];
  REQUIRE(c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
               R"({"install": {"phase": "installed"}})")
              .status == 200);
  CHECK(c.admin("GET", "/api/v1/nodes/" + id).body["liveness"] == "alive");
  c.clock().advance(31);  // node_ttl_s is 30
  CHECK(c.admin("GET", "/api/v1/nodes/" + id).body["liveness"] == "missing");
  CHECK(c.admin("GET", "/api/v1/nodes?state=missing").body["nodes"].size() == 1);
  CHECK(c.admin("GET", "/api/v1/nodes/" + id).body["state"] == "active");  // state is kept
  REQUIRE(c.as(token, "GET", "/api/v1/nodes/" + id + "/desired").status == 200);
  CHECK(c.admin("GET", "/api/v1/nodes/" + id).body["liveness"] == "alive");
  CHECK(c.admin("GET", "/api/v1/nodes?state=missing").body["nodes"].empty());
}

TEST_CASE("nodes: /metrics counts requests by route and code and nodes by state",
          "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  enroll(c, 1);
  c.admin("GET", "/api/v1/nodes/nobody");
  auto client = common::HttpClient::create(c.url());
  auto m = (*client)->request("GET", "/metrics");
  REQUIRE(m);
  CHECK(m->status == 200);
  CHECK(m->body.find("photon_http_requests_total{method=\"POST\",route=\"/api/v1/phone-home\","
                     "code=\"200\"} 1") != std::string::npos);
  CHECK(m->body.find("route=\"/api/v1/nodes/{id}\",code=\"404\"} 1") != std::string::npos);
  CHECK(m->body.find("photon_nodes{state=\"install-pending\"} 1") != std::string::npos);
  CHECK(m->body.find("photon_http_request_duration_seconds_bucket") != std::string::npos);
}
