// photonctl nodes history against a real coordinator: a table of the changes with their causes,
// or the API's JSON with -o json.
#include <catch2/catch.hpp>

#include <ctime>

#include "tests/support/photonctl_runner.h"

using photon::common::Json;
using photon::test::CoordinatorFixture;

TEST_CASE("photonctl nodes history: the changes as a table and as JSON",
          "[inventory][console][integration]") {
  CoordinatorFixture c;
  photon::test::PhotonctlRunner ctl{c};
  // The changes happened three hours ago by the wall clock photonctl reads.
  c.clock().set(static_cast<int64_t>(std::time(nullptr)) - 3 * 3600 - 60);
  auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(r.status == 200);
  const std::string id = r.body["node_id"];
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/rescue").status == 200);

  std::string out;
  REQUIRE(ctl.run({"nodes", "history", id}, out) == 0);
  CHECK(out.find("FROM") != std::string::npos);
  CHECK(out.find("(enrolled)") != std::string::npos);
  CHECK(out.find("phone-home") != std::string::npos);
  CHECK(out.find("operator: rescue") != std::string::npos);
  CHECK(out.find("3h ago") != std::string::npos);
  CHECK(out.find("2 change(s), the last 50 kept") != std::string::npos);

  REQUIRE(ctl.run({"-o", "json", "nodes", "history", id}, out) == 0);
  Json j = Json::parse(out, nullptr, false);
  REQUIRE(j.is_object());
  REQUIRE(j["history"].size() == 2);
  CHECK(j["history"][1]["to"] == "rescue");

  CHECK(ctl.run({"nodes", "history", "node-nothere"}, out) == 1);
  CHECK(out.find("node-nothere") != std::string::npos);
}
