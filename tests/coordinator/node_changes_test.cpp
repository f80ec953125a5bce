// GET /api/v1/nodes?changed_since=REV through the real coordinator: only the nodes whose
// documents moved after REV, at a revision from which the next call misses nothing.
#include <catch2/catch.hpp>

#include <algorithm>

#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
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
