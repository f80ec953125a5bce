// Bounded enrolment: a loop of phone-homes with the ISO's bootstrap token fills neither the
// inventory nor the address pools.
#include <catch2/catch.hpp>

#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

TEST_CASE("trust: a phone-home loop stops at the cap on discovered nodes and takes no address",
          "[trust][integration]") {
  CoordinatorFixture c;
  c.server().inventory().setOptions({.max_discovered = 3});
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);

  // 2 cores: no rule approves these machines, so they wait in discovered.
  int accepted = 0, refused = 0;
  test::Reply last;
  for (int i = 0; i < 20; ++i) {
    last = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(200 + i, 2));
    if (last.status == 200) ++accepted;
    if (last.status == 429) ++refused;
  }
  CHECK(accepted == 3);
  CHECK(refused == 17);
  CHECK(last.body["field"] == "machine_id");
  CHECK(last.body["error"].get<std::string>().find("discovered") != std::string::npos);
  CHECK(c.admin("GET", "/api/v1/nodes").body["nodes"].size() == 3);

  auto stats = c.server().inventory().enrolmentStats();
  REQUIRE(stats);
  CHECK(stats->discovered == 3);
  CHECK(stats->max_discovered == 3);
  CHECK(stats->refused_by_cap == 17);
  REQUIRE(stats->pools.size() == 1);
  CHECK(stats->pools[0].pool == "web");
  CHECK(stats->pools[0].allocated == 0);  // nobody approved: no address handed out
  CHECK(stats->pools[0].size == 3);

  // A known machine asking again is not a new one; an approved machine is not counted.
  CHECK(c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(200, 2)).status ==
        200);
  auto approved = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(300, 8));
  REQUIRE(approved.status == 200);  // rule "big" (an operator's declared rule) approves it
  CHECK(approved.body["state"] == "install-pending");
  stats = c.server().inventory().enrolmentStats();
  REQUIRE(stats);
  CHECK(stats->discovered == 3);
  CHECK(stats->pools[0].allocated == 1);

  // The operator retires one: room for one more.
  std::string waiting = c.admin("GET", "/api/v1/nodes?state=discovered").body["nodes"][0]["id"];
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + waiting + "/actions/retire").status == 200);
  CHECK(c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(400, 2)).status ==
        200);
  CHECK(c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(401, 2)).status ==
        429);
}
