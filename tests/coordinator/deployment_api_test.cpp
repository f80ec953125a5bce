// Deployments over the REST API against a real coordinator (SQLite, ManualClock), with agents
// simulated by their observed reports.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "coordinator/inventory/keys.h"
#include "tests/support/simulated_fleet.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;
using test::FleetNode;

namespace {
const std::string kGood = test::storePath("nixos-system-good");
const std::string kBad = test::storePath("nixos-system-bad");

Json request(const std::string& system, int max_parallel, bool auto_revert = true) {
  return {{"system", system},       {"selector", {{"pool", "web"}}}, {"max_parallel", max_parallel},
          {"confirm_within_s", 30}, {"node_timeout_s", 60},          {"auto_revert", auto_revert}};
}

Json show(CoordinatorFixture& c, const std::string& id) {
  auto r = c.admin("GET", "/api/v1/deployments/" + id);
  REQUIRE(r.status == 200);
  return r.body;
}

// A few control rounds: each moves every running deployment by one step.
Json settle(CoordinatorFixture& c, const std::string& id) {
  for (int i = 0; i < 3; ++i) c.server().sweepOnce();
  return show(c, id);
}

std::string statusOf(const Json& d, const std::string& node) {
  for (const auto& n : d["nodes"]) {
    if (n["id"] == node) return n["status"];
  }
  return "absent";
}

std::string metricsText(CoordinatorFixture& c) {
  auto client = common::HttpClient::create(c.url());
  REQUIRE(client);
  auto res = (*client)->request("GET", "/metrics", "");
  REQUIRE(res);
  return res->body;
}

int updatingCount(CoordinatorFixture& c, const std::vector<FleetNode>& fleet,
                  const std::string& id) {
  int n = 0;
  for (const auto& node : fleet) {
    Json s = test::desiredSystem(c, node);
    if (s.is_object() && s["deployment"] == id) ++n;
  }
  return n;
}
}  // namespace

TEST_CASE("deployments: max_parallel nodes at a time until every node applied",
          "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 5);
  auto created = c.admin("POST", "/api/v1/deployments", request(kGood, 2));
  REQUIRE(created.status == 201);
  std::string id = created.body["id"];
  CHECK(created.body["state"] == "running");
  CHECK(created.body["progress"]["total"] == 5);

  Json d = settle(c, id);
  CHECK(d["progress"]["by_status"]["updating"] == 2);
  CHECK(updatingCount(c, fleet, id) == 2);
  // The desired section carries the deployment's id and spec.
  Json section;
  for (const auto& node : fleet) {
    if (test::desiredSystem(c, node).is_object()) section = test::desiredSystem(c, node);
  }
  REQUIRE(section.is_object());
  CHECK(section["system"] == kGood);
  CHECK(section["deployment"] == id);
  CHECK(section["confirm_within_s"] == 30);

  std::set<std::string> answered;
  for (int round = 0; round < 10 && show(c, id)["state"] == "running"; ++round) {
    std::vector<FleetNode> in_flight;
    for (const auto& node : fleet) {
      Json s = test::desiredSystem(c, node);
      if (s.is_object() && s["deployment"] == id && !answered.contains(node.id)) {
        in_flight.push_back(node);
      }
    }
    CHECK(in_flight.size() <= 2);  // never more than max_parallel at once
    for (const auto& node : in_flight) {
      test::answerDesired(c, node, "applied");
      answered.insert(node.id);
    }
    d = settle(c, id);
  }
  CHECK(d["state"] == "succeeded");
  CHECK(d["progress"]["by_status"]["applied"] == 5);
  CHECK(d["progress"]["done"] == 5);
  CHECK(answered.size() == 5);

  auto list = c.admin("GET", "/api/v1/deployments");
  REQUIRE(list.status == 200);
  REQUIRE(list.body["deployments"].size() == 1);
  CHECK(list.body["deployments"][0]["id"] == id);
  CHECK(list.body["deployments"][0]["state"] == "succeeded");
  CHECK(metricsText(c).find("photon_deployments{state=\"succeeded\"} 1") != std::string::npos);
}

TEST_CASE("deployments: a rolled-back node stops the rollout and auto_revert restores the rest",
          "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 4);
  // The nodes run "good" from an earlier deployment set by hand.
  for (const auto& node : fleet) {
    REQUIRE(c.admin("PUT", "/api/v1/nodes/" + node.id + "/desired/system",
                    Json{{"system", kGood}, {"deployment", "manual"}})
                .status == 200);
  }
  std::string id = c.admin("POST", "/api/v1/deployments", request(kBad, 2)).body["id"];
  settle(c, id);
  std::vector<FleetNode> started;
  for (const auto& node : fleet) {
    if (test::desiredSystem(c, node)["deployment"] == id) started.push_back(node);
  }
  REQUIRE(started.size() == 2);
  // The failure first (an applied report first would let the next node start before it).
  test::answerDesired(c, started[1], "rolled-back", kGood);
  Json d = settle(c, id);
  CHECK(d["state"] == "running");  // started[0] is still in flight: it finishes first
  CHECK(d["stopping"] == true);
  test::answerDesired(c, started[0], "applied", kGood);
  d = settle(c, id);
  CHECK(d["state"] == "reverting");
  CHECK(d["reason"].get<std::string>().find(started[1].id + " rolled-back") != std::string::npos);
  CHECK(d["progress"]["by_status"]["not-started"] == 2);
  // Both touched nodes are given their previous section back, under the revert tag.
  for (const auto& node : started) {
    Json s = test::desiredSystem(c, node);
    CHECK(s["system"] == kGood);
    CHECK(s["deployment"] == id + "-revert");
  }
  // The two never started keep what they had.
  for (const auto& node : fleet) {
    if (node.id != started[0].id && node.id != started[1].id) {
      CHECK(test::desiredSystem(c, node)["deployment"] == "manual");
    }
  }
  for (const auto& node : started) test::answerDesired(c, node, "applied");
  d = settle(c, id);
  CHECK(d["state"] == "failed");
  for (const auto& node : d["nodes"]) {
    if (node["status"] == "applied" || node["status"] == "rolled-back") {
      CHECK(node["revert"] == "reverted");
    }
  }
  CHECK(metricsText(c).find("photon_deployments{state=\"failed\"} 1") != std::string::npos);
}

TEST_CASE("deployments: without auto_revert a failure leaves nodes as they are",
          "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 3);
  std::string id = c.admin("POST", "/api/v1/deployments", request(kBad, 1, false)).body["id"];
  settle(c, id);
  FleetNode first;
  for (const auto& node : fleet) {
    if (test::desiredSystem(c, node).is_object()) first = node;
  }
  REQUIRE(!first.id.empty());
  test::answerDesired(c, first, "failed");
  Json d = settle(c, id);
  CHECK(d["state"] == "failed");
  CHECK(statusOf(d, first.id) == "failed");
  CHECK(test::desiredSystem(c, first)["deployment"] == id);
  CHECK(updatingCount(c, fleet, id) == 1);
}

TEST_CASE("deployments: a node that never reports times out", "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 2);
  Json body = request(kGood, 2, false);
  std::string id = c.admin("POST", "/api/v1/deployments", body).body["id"];
  settle(c, id);
  test::answerDesired(c, fleet[0], "applied");
  c.clock().advance(61);
  Json d = settle(c, id);
  CHECK(d["state"] == "failed");
  CHECK(statusOf(d, fleet[0].id) == "applied");
  CHECK(statusOf(d, fleet[1].id) == "timeout");
}

TEST_CASE("deployments: cancel stops a running deployment, a finished one is a 409",
          "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 3);
  std::string id = c.admin("POST", "/api/v1/deployments", request(kGood, 1)).body["id"];
  settle(c, id);
  auto cancelled = c.admin("POST", "/api/v1/deployments/" + id + "/cancel");
  REQUIRE(cancelled.status == 200);
  CHECK(cancelled.body["state"] == "cancelled");
  CHECK(cancelled.body["progress"]["by_status"]["cancelled"] == 3);
  // Nothing more is started.
  for (const auto& node : fleet) {
    if (test::desiredSystem(c, node).is_object()) test::answerDesired(c, node, "applied");
  }
  Json d = settle(c, id);
  CHECK(d["state"] == "cancelled");
  CHECK(updatingCount(c, fleet, id) == 1);
  auto again = c.admin("POST", "/api/v1/deployments/" + id + "/cancel");
  CHECK(again.status == 409);
  CHECK(again.body["field"] == "state");
  CHECK(c.admin("POST", "/api/v1/deployments/d-999/cancel").status == 404);
  // Its nodes are free again.
  CHECK(c.admin("POST", "/api/v1/deployments", request(kGood, 1)).status == 201);
}

TEST_CASE("deployments: drained and missing nodes are skipped and listed",
          "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 3);
  // fleet[1] stops polling: time passes beyond the node TTL (30 s), the others poll.
  c.clock().advance(40);
  for (const auto& node : {fleet[0], fleet[2]}) test::desiredSystem(c, node);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + fleet[0].id + "/actions/drain").status == 200);
  auto created = c.admin("POST", "/api/v1/deployments", request(kGood, 3));
  REQUIRE(created.status == 201);
  std::string id = created.body["id"];
  CHECK(statusOf(created.body, fleet[0].id) == "skipped");
  CHECK(statusOf(created.body, fleet[1].id) == "skipped");
  CHECK(created.body["progress"]["total"] == 1);
  Json d = settle(c, id);
  CHECK(test::desiredSystem(c, fleet[0]).is_null());
  CHECK(test::desiredSystem(c, fleet[1]).is_null());
  test::answerDesired(c, fleet[2], "applied");
  d = settle(c, id);
  CHECK(d["state"] == "succeeded");
  // Both skipped nodes are listed, each with its reason.
  std::map<std::string, std::string> reasons;
  for (const auto& n : d["nodes"]) reasons[n["id"]] = n.value("reason", "");
  REQUIRE(reasons.count(fleet[0].id) == 1);
  REQUIRE(reasons.count(fleet[1].id) == 1);
  CHECK(reasons[fleet[0].id].find("drain") != std::string::npos);
  CHECK(reasons[fleet[1].id].find("missing") != std::string::npos);
}

TEST_CASE("deployments: one running deployment per node (409 naming the selector)",
          "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 3);
  Json first = request(kGood, 1);
  first["selector"] = {{"nodes", {fleet[0].id, fleet[1].id}}};
  REQUIRE(c.admin("POST", "/api/v1/deployments", first).status == 201);
  auto overlap = c.admin("POST", "/api/v1/deployments", request(kBad, 1));
  CHECK(overlap.status == 409);
  CHECK(overlap.body["field"] == "selector");
  CHECK(overlap.body["error"].get<std::string>().find("d-1") != std::string::npos);
  Json other = request(kBad, 1);
  other["selector"] = {{"nodes", {fleet[2].id}}};
  CHECK(c.admin("POST", "/api/v1/deployments", other).status == 201);
  CHECK(c.admin("GET", "/api/v1/deployments").body["deployments"].size() == 2);
}

TEST_CASE("deployments: a coordinator restart resumes a running deployment",
          "[deployments][integration]") {
  test::TempDir dir;
  std::string data = dir.file("data");
  std::vector<FleetNode> fleet;
  std::string id;
  {
    CoordinatorFixture c(data);
    fleet = test::activeFleet(c, 3);
    id = c.admin("POST", "/api/v1/deployments", request(kGood, 1)).body["id"];
    settle(c, id);
    REQUIRE(updatingCount(c, fleet, id) == 1);
  }
  CoordinatorFixture c(data);
  Json d = show(c, id);
  CHECK(d["state"] == "running");
  for (int round = 0; round < 6 && show(c, id)["state"] == "running"; ++round) {
    for (const auto& node : fleet) {
      Json s = test::desiredSystem(c, node);
      if (s.is_object() && s["deployment"] == id) test::answerDesired(c, node, "applied");
    }
    d = settle(c, id);
  }
  CHECK(d["state"] == "succeeded");
  CHECK(d["progress"]["by_status"]["applied"] == 3);
}

TEST_CASE("deployments: explicit nodes roll out in the order they are listed",
          "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 3);
  Json body = request(kGood, 1);
  body["selector"] = {{"nodes", {fleet[2].id, fleet[0].id}}};
  auto created = c.admin("POST", "/api/v1/deployments", body);
  REQUIRE(created.status == 201);
  REQUIRE(created.body["nodes"].size() == 2);
  CHECK(created.body["nodes"][0]["id"] == fleet[2].id);
  CHECK(created.body["nodes"][1]["id"] == fleet[0].id);
  std::string id = created.body["id"];
  settle(c, id);
  CHECK(test::desiredSystem(c, fleet[2])["deployment"] == id);
  CHECK(test::desiredSystem(c, fleet[0]).is_null());
  CHECK(test::desiredSystem(c, fleet[1]).is_null());
}

TEST_CASE("deployments: a finished deployment is forgotten after its retention, with its progress",
          "[deployments][integration]") {
  CoordinatorFixture c;  // the default retention: 14 days, looked at every 10 minutes
  auto fleet = test::activeFleet(c, 3);
  std::string done = c.admin("POST", "/api/v1/deployments", request(kGood, 3)).body["id"];
  settle(c, done);
  for (const auto& node : fleet) test::answerDesired(c, node, "applied");
  REQUIRE(settle(c, done)["state"] == "succeeded");
  auto progressKeys = [&](const std::string& id) {
    auto listed = c.server().store().revisions(coordinator::keys::deploymentProgressPrefix(id));
    REQUIRE(listed);
    return listed->size();
  };
  REQUIRE(progressKeys(done) == 3);
  // A second one, whose node never answers: it times out (fails) on day 13.
  std::string running = c.admin("POST", "/api/v1/deployments", request(kGood, 1)).body["id"];
  settle(c, running);
  // Progress left without its header (a coordinator that died between the two removals).
  REQUIRE(c.server().store().commit(
      coordinator::Txn().put(coordinator::keys::deploymentProgress("d-77", fleet[0].id), "{}")));

  c.clock().advance(13 * 86400);
  settle(c, running);
  CHECK(c.admin("GET", "/api/v1/deployments/" + done).status == 200);  // 13 days: kept
  CHECK(progressKeys("d-77") == 0);                                    // the orphan went

  c.clock().advance(2 * 86400);
  settle(c, running);
  CHECK(c.admin("GET", "/api/v1/deployments/" + done).status == 404);
  CHECK(progressKeys(done) == 0);
  CHECK(show(c, running)["state"] == "failed");  // ended 2 days ago: kept
  auto list = c.admin("GET", "/api/v1/deployments");
  REQUIRE(list.status == 200);
  CHECK(list.body["deployments"].size() == 1);
}
