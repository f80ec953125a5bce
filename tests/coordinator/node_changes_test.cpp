// GET /api/v1/nodes?changed_since=REV through the real coordinator: only the nodes whose
// documents moved after REV, at a revision from which the next call misses nothing.
#include <catch2/catch.hpp>

#include <algorithm>

#include "coordinator/api/node_changes.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using coordinator::ChangedRead;
using coordinator::chooseChangedRead;
using test::CoordinatorFixture;

namespace {
std::vector<std::string> ids(const Json& list) {
  std::vector<std::string> out;
  for (const auto& n : list["nodes"]) out.push_back(n["id"]);
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST_CASE("nodes: changed_since lists only the nodes changed after the given revision",
          "[console][inventory][integration]") {
  CoordinatorFixture c;
  std::vector<std::string> node;
  std::vector<std::string> token;
  for (int i = 0; i < 3; ++i) {
    auto enrolled = c.enrol(i);
    node.push_back(enrolled.id);
    token.push_back(enrolled.token);
  }
  auto all = c.admin("GET", "/api/v1/nodes?with=system");
  REQUIRE(all.body["nodes"].size() == 3);
  const int64_t r0 = all.body["revision"];
  CHECK(c.admin("GET", "/api/v1/nodes?changed_since=" + std::to_string(r0)).body["nodes"].empty());

  REQUIRE(c.admin("POST", "/api/v1/nodes/" + node[1] + "/actions/rescue").status == 200);
  auto changed = c.admin("GET", "/api/v1/nodes?with=system&changed_since=" + std::to_string(r0));
  REQUIRE(changed.status == 200);
  CHECK(ids(changed.body) == std::vector<std::string>{node[1]});
  CHECK(changed.body["nodes"][0]["state"] == "rescue");
  CHECK(changed.body["nodes"][0].contains("observed_system"));
  const int64_t r1 = changed.body["revision"];
  CHECK(r1 > r0);
  CHECK(c.admin("GET", "/api/v1/nodes?changed_since=" + std::to_string(r1)).body["nodes"].empty());

  // An agent's report changes the row only where the list carries it (?with=system).
  REQUIRE(c.as(token[2], "PUT", "/api/v1/nodes/" + node[2] + "/observed",
               R"({"domains": {"system": {"generation": 3, "outcome": "applied"}}})")
              .status == 200);
  auto reported = c.admin("GET", "/api/v1/nodes?with=system&changed_since=" + std::to_string(r1));
  CHECK(ids(reported.body) == std::vector<std::string>{node[2]});
  CHECK(reported.body["nodes"][0]["observed_system"]["generation"] == 3);
  CHECK(c.admin("GET", "/api/v1/nodes?changed_since=" + std::to_string(r1)).body["nodes"].empty());

  // With the other filters: the changed nodes that match them.
  CHECK(c.admin("GET", "/api/v1/nodes?state=discovered&changed_since=" + std::to_string(r0))
            .body["nodes"]
            .empty());
  CHECK(ids(c.admin("GET", "/api/v1/nodes?changed_since=0").body) ==
        ids(c.admin("GET", "/api/v1/nodes").body));
  auto bad = c.admin("GET", "/api/v1/nodes?changed_since=-1");
  CHECK(bad.status == 400);
  CHECK(bad.body["field"] == "changed_since");
}

TEST_CASE(
    "nodes: changed_since of an old revision reads the fleet in one range, not one node at a time",
    "[console][inventory]") {
  // A handful: point reads, whatever the fleet.
  CHECK(chooseChangedRead(0, 0) == ChangedRead::kOneByOne);
  CHECK(chooseChangedRead(3, 3) == ChangedRead::kOneByOne);
  CHECK(chooseChangedRead(16, 5000) == ChangedRead::kOneByOne);
  // More: point reads only while the range read would read 8 times as many documents.
  CHECK(chooseChangedRead(600, 5000) == ChangedRead::kOneByOne);
  CHECK(chooseChangedRead(700, 5000) == ChangedRead::kRange);
  CHECK(chooseChangedRead(17, 40) == ChangedRead::kRange);
  CHECK(chooseChangedRead(5000, 5000) == ChangedRead::kRange);
  // Never more point reads than a list may hold, however large the fleet.
  CHECK(chooseChangedRead(1024, 100000) == ChangedRead::kOneByOne);
  CHECK(chooseChangedRead(1025, 100000) == ChangedRead::kRange);
}

TEST_CASE("nodes: changed_since=0 over a fleet read in one range answers the same as the full list",
          "[console][inventory][integration]") {
  CoordinatorFixture c;
  std::vector<std::string> node;
  for (int i = 0; i < 20; ++i) node.push_back(c.enrol(i).id);
  const int64_t r20 = c.admin("GET", "/api/v1/nodes").body["revision"];
  for (int i = 20; i < 40; ++i) node.push_back(c.enrol(i).id);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + node[7] + "/actions/rescue").status == 200);
  // 40 and 21 changed of 40: past the handful and more than an eighth, so one range read.
  REQUIRE(chooseChangedRead(40, 40) == ChangedRead::kRange);
  REQUIRE(chooseChangedRead(21, 40) == ChangedRead::kRange);

  auto full = c.admin("GET", "/api/v1/nodes?with=system");
  auto since0 = c.admin("GET", "/api/v1/nodes?with=system&changed_since=0");
  REQUIRE(full.status == 200);
  REQUIRE(since0.status == 200);
  REQUIRE(full.body["nodes"].size() == 40);
  CHECK(since0.body["nodes"] == full.body["nodes"]);
  CHECK(since0.body["revision"] == full.body["revision"]);

  // The range read is kept to the nodes changed: the last 20 enrolled and the one rescued.
  auto later = c.admin("GET", "/api/v1/nodes?changed_since=" + std::to_string(r20));
  std::vector<std::string> want(node.begin() + 20, node.end());
  want.push_back(node[7]);
  std::sort(want.begin(), want.end());
  CHECK(ids(later.body) == want);
  // With a filter: the changed nodes that match it.
  auto rescued = c.admin("GET", "/api/v1/nodes?state=rescue&changed_since=0");
  CHECK(ids(rescued.body) == std::vector<std::string>{node[7]});
}
