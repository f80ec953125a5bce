// Each node's lifecycle history through the real coordinator: every state change is recorded
// with what caused it, a refused change records nothing, only the last 50 are kept.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "coordinator/inventory/node_history.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

namespace {
void report(CoordinatorFixture& c, const CoordinatorFixture::Enrolled& node,
            const std::string& phase) {
  REQUIRE(c.as(node.token, "PUT", "/api/v1/nodes/" + node.id + "/observed",
               Json{{"install", {{"phase", phase}}}}.dump())
              .status == 200);
}

Json history(CoordinatorFixture& c, const std::string& id) {
  auto r = c.admin("GET", "/api/v1/nodes/" + id + "/history");
  REQUIRE(r.status == 200);
  REQUIRE(r.body["node_id"] == id);
  REQUIRE(r.body["history"].is_array());
  return r.body["history"];
}

// "from -> to (cause)" of each entry, to compare a whole history at once.
std::vector<std::string> steps(const Json& h) {
  std::vector<std::string> out;
  for (const auto& t : h) {
    out.push_back((t["from"].is_null() ? std::string("-") : t["from"].get<std::string>()) + " -> " +
                  t["to"].get<std::string>() + " (" + t["cause"].get<std::string>() + ")");
  }
  return out;
}
}  // namespace

TEST_CASE(
    "node history: enrolment, install reports and operator actions are each recorded "
    "with their cause and time",
    "[inventory][console][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  const int64_t t0 = c.clock().nowSeconds();
  auto node = c.enrol(1);  // rule "big": auto-installed
  c.clock().advance(5);
  report(c, node, "installing");
  c.clock().advance(5);
  report(c, node, "installed");
  c.clock().advance(5);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + node.id + "/actions/drain").status == 200);

  Json h = history(c, node.id);
  REQUIRE(h.size() >= 4);
  const auto all = steps(h);
  CHECK(std::vector<std::string>(all.begin(), all.begin() + 4) ==
        std::vector<std::string>{"- -> install-pending (phone-home)",
                                 "install-pending -> installing (install report: installing)",
                                 "installing -> active (install report: installed)",
                                 "active -> draining (operator: drain)"});
  CHECK(h[0]["at"] == t0);
  CHECK(h[1]["at"] == t0 + 5);
  CHECK(h[3]["at"] == t0 + 15);
  // With nothing to move the sweep (every 50 ms here) completes the drain: its own entry.
  for (int i = 0; i < 100 && h.back()["to"] != "drained"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    h = history(c, node.id);
  }
  REQUIRE(h.size() == 5);
  CHECK(steps(h)[4] == "draining -> drained (drain complete)");
  CHECK(c.admin("GET", "/api/v1/nodes/" + node.id).body["state"] == "drained");
}

TEST_CASE(
    "node history: a refused action records nothing and a passed deadline records the "
    "failure with its error",
    "[inventory][console][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto node = c.enrol(1);
  const size_t before = history(c, node.id).size();
  REQUIRE(before == 1);
  CHECK(c.admin("POST", "/api/v1/nodes/" + node.id + "/actions/undrain").status == 409);
  CHECK(history(c, node.id).size() == before);

  c.clock().advance(121);  // install_deadline_s 120
  // The control loop may sweep first; either way the node moves once.
  REQUIRE(c.server().inventory().expireDeadlines());
  Json h = history(c, node.id);
  REQUIRE(h.size() == 2);
  CHECK(h[1]["from"] == "install-pending");
  CHECK(h[1]["to"] == "install-failed");
  CHECK(h[1]["cause"] == "deadline");
  CHECK(h[1]["error"].get<std::string>().find("deadline passed") != std::string::npos);
}

TEST_CASE("node history: only the last 50 changes are kept, the newest last",
          "[inventory][console][integration]") {
  CoordinatorFixture c;
  auto node = c.enrol(1);  // no declaration: discovered
  // 60 changes after enrolment: rescue and commission, again and again.
  for (int i = 0; i < 30; ++i) {
    c.clock().advance(1);
    REQUIRE(c.admin("POST", "/api/v1/nodes/" + node.id + "/actions/rescue").status == 200);
    REQUIRE(c.admin("POST", "/api/v1/nodes/" + node.id + "/actions/commission").status == 200);
  }
  Json h = history(c, node.id);
  REQUIRE(h.size() == coordinator::kNodeHistoryLimit);
  CHECK(h.front()["from"] == "commissioning");  // the enrolment and the first rescue are gone
  CHECK(h.back()["to"] == "commissioning");
  CHECK(h.back()["cause"] == "operator: commission");
  for (size_t i = 1; i < h.size(); ++i) CHECK(h[i]["at"] >= h[i - 1]["at"]);
  CHECK(c.admin("GET", "/api/v1/nodes/" + node.id + "/history").body["limit"] == 50);
}

TEST_CASE("node history: an unknown node is a 404 and only the admin may read it",
          "[inventory][console][integration]") {
  CoordinatorFixture c;
  auto node = c.enrol(1);
  CHECK(c.admin("GET", "/api/v1/nodes/node-nothere/history").status == 404);
  CHECK(c.as(node.token, "GET", "/api/v1/nodes/" + node.id + "/history").status == 403);
  CHECK(c.as("", "GET", "/api/v1/nodes/" + node.id + "/history").status == 401);
}

TEST_CASE(
    "node history: a corrupt stored history is a 500 to read and starts again from the next "
    "change",
    "[inventory][console][integration]") {
  CoordinatorFixture c;
  auto node = c.enrol(1);  // discovered
  auto& store = c.server().store();
  const std::string key = "history/" + node.id;
  const std::string path = "/api/v1/nodes/" + node.id + "/history";
  // Valid JSON the strict reader refuses (an unknown state), then not JSON at all.
  for (const std::string& corrupt : std::vector<std::string>{
           R"([{"at": 1, "from": null, "to": "levitating", "cause": "x"}])", std::string("{[")}) {
    coordinator::Txn txn;
    txn.put(key, corrupt);
    REQUIRE(store.commit(txn));
    auto r = c.admin("GET", path);
    CHECK(r.status == 500);  // the server's fault, not the client's
    CHECK(r.body["error"].get<std::string>().find("stored " + key + " is corrupt") !=
          std::string::npos);
    CHECK(r.body["field"] == "");  // no field of the request was wrong
    // The node itself still reads.
    CHECK(c.admin("GET", "/api/v1/nodes/" + node.id).status == 200);
  }
  // The next change is not stopped by it, and the history starts again from that change.
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + node.id + "/actions/rescue").status == 200);
  Json h = history(c, node.id);
  CHECK(steps(h) == std::vector<std::string>{"discovered -> rescue (operator: rescue)"});
}
