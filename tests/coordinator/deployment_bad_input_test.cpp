// POST /api/v1/deployments refuses bad input with a 400 naming the field, and changes nothing.
#include <catch2/catch.hpp>

#include "tests/support/simulated_fleet.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

namespace {
Json valid() {
  return {{"system", test::storePath("nixos-system-web")},
          {"selector", {{"pool", "web"}}},
          {"max_parallel", 2},
          {"confirm_within_s", 30}};
}
}  // namespace

TEST_CASE("deployments: bad input is a 400 naming the field, and nothing is stored",
          "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 2);
  struct Case {
    std::string what;
    std::function<void(Json&)> edit;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"no system", [](Json& b) { b.erase("system"); }, "system"},
      {"not a store path", [](Json& b) { b["system"] = "/tmp/evil"; }, "system"},
      {"bad base32 (e, o, u, t are not Nix base32)",
       [](Json& b) { b["system"] = "/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x"; }, "system"},
      {"short hash", [](Json& b) { b["system"] = "/nix/store/0c9lqkrw-x"; }, "system"},
      {"no name", [](Json& b) { b["system"] = "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb"; },
       "system"},
      {"path traversal",
       [](Json& b) { b["system"] = "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-x/../../etc"; },
       "system"},
      {"unknown mode", [](Json& b) { b["mode"] = "reboot"; }, "mode"},
      {"ssh substituter", [](Json& b) { b["substituters"] = {"ssh://cache"}; }, "substituters[0]"},
      {"substituter with a space", [](Json& b) { b["substituters"] = {"https://a b"}; },
       "substituters[0]"},
      {"bad key", [](Json& b) { b["trusted_public_keys"] = {"no-colon"}; },
       "trusted_public_keys[0]"},
      {"negative deadline", [](Json& b) { b["confirm_within_s"] = -1; }, "confirm_within_s"},
      {"huge deadline", [](Json& b) { b["confirm_within_s"] = 1 << 30; }, "confirm_within_s"},
      {"node timeout below the confirm deadline", [](Json& b) { b["node_timeout_s"] = 10; },
       "node_timeout_s"},
      {"huge node timeout", [](Json& b) { b["node_timeout_s"] = 10'000'000; }, "node_timeout_s"},
      {"max_parallel 0", [](Json& b) { b["max_parallel"] = 0; }, "max_parallel"},
      {"max_parallel huge", [](Json& b) { b["max_parallel"] = 100000; }, "max_parallel"},
      {"max_parallel a string", [](Json& b) { b["max_parallel"] = "2"; }, "max_parallel"},
      {"auto_revert not a bool", [](Json& b) { b["auto_revert"] = "yes"; }, "auto_revert"},
      {"health exec not absolute",
       [](Json& b) {
         b["health"] = {{"exec", {{"pg_isready"}}}};
       },
       "health.exec[0]"},
      {"health http not http",
       [](Json& b) {
         b["health"] = {{"http", {"ftp://x"}}};
       },
       "health.http[0]"},
      {"no selector", [](Json& b) { b.erase("selector"); }, "selector"},
      {"selector not an object", [](Json& b) { b["selector"] = "web"; }, "selector"},
      {"selector unknown field",
       [](Json& b) {
         b["selector"] = {{"rack", "r1"}};
       },
       "selector.rack"},
      {"selector bad pool",
       [](Json& b) {
         b["selector"] = {{"pool", "Web Pool"}};
       },
       "selector.pool"},
      {"selector matches nothing",
       [](Json& b) {
         b["selector"] = {{"labels", {{"rack", "none"}}}};
       },
       "selector"},
      {"selector names an unknown node",
       [](Json& b) {
         b["selector"] = {{"nodes", {"n-404"}}};
       },
       "selector.nodes[0]"},
      {"unknown field", [](Json& b) { b["max-parallel"] = 2; }, "max-parallel"},
  };
  for (const auto& k : cases) {
    INFO(k.what);
    Json body = valid();
    k.edit(body);
    auto r = c.admin("POST", "/api/v1/deployments", body);
    CHECK(r.status == 400);
    CHECK(r.body["field"] == k.field);
    CHECK_FALSE(r.body["error"].get<std::string>().empty());
  }
  auto malformed = c.as(test::kAdminToken, "POST", "/api/v1/deployments", "{not json");
  CHECK(malformed.status == 400);
  CHECK(malformed.body["field"] == "body");
  CHECK(c.as("", "POST", "/api/v1/deployments", valid().dump()).status == 401);

  // Nothing was created, no node's desired state moved.
  CHECK(c.admin("GET", "/api/v1/deployments").body["deployments"].empty());
  for (const auto& node : fleet) CHECK(test::desiredSystem(c, node).is_null());
  CHECK(c.admin("GET", "/api/v1/deployments?limit=0").status == 400);
  CHECK(c.admin("GET", "/api/v1/deployments/Bad_Id").status == 400);
  CHECK(c.admin("GET", "/api/v1/deployments/d-404").status == 404);
}

TEST_CASE("deployments: a selector whose nodes are all drained is refused",
          "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 1);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + fleet[0].id + "/actions/drain").status == 200);
  auto r = c.admin("POST", "/api/v1/deployments", valid());
  CHECK(r.status == 400);
  CHECK(r.body["field"] == "selector");
  CHECK(r.body["error"].get<std::string>().find(fleet[0].id) != std::string::npos);
}
