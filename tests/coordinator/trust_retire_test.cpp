// Retiring a node revokes its token: the agent API refuses it afterwards, and a retire that
// cannot read the token (a store error) retires nothing rather than leave the token working.
#include <catch2/catch.hpp>

#include "coordinator/inventory/keys.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/faulty_store.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

TEST_CASE("trust: a retired node's token is refused, and a retire that cannot read it fails whole",
          "[trust][inventory][integration]") {
  test::TempDir dir;
  auto sqlite = coordinator::SqliteStore::open(dir.file("data"));
  REQUIRE(sqlite);
  auto faulty = std::make_unique<test::FaultyStore>(std::move(*sqlite));
  test::FaultyStore& store = *faulty;
  CoordinatorFixture c(std::move(faulty));
  auto node = c.enrol(1);
  const std::string desired = "/api/v1/nodes/" + node.id + "/desired";
  REQUIRE(c.as(node.token, "GET", desired).status == 200);

  // The store fails the read of the node's token hash: the retire fails and changes nothing.
  store.failGets(coordinator::keys::token(node.id));
  auto failed = c.admin("POST", "/api/v1/nodes/" + node.id + "/actions/retire");
  store.heal();
  CHECK(failed.status == 503);
  CHECK(failed.body["error"].get<std::string>().find("token") != std::string::npos);
  CHECK(c.admin("GET", "/api/v1/nodes/" + node.id).body["state"] == "discovered");
  CHECK(c.as(node.token, "GET", desired).status == 200);

  // Once the store answers, the retire goes through and the token finds no node any more.
  auto retired = c.admin("POST", "/api/v1/nodes/" + node.id + "/actions/retire");
  REQUIRE(retired.status == 200);
  CHECK(retired.body["state"] == "retired");
  auto refused = c.as(node.token, "GET", desired);
  CHECK(refused.status == 401);
  CHECK(refused.body["error"] == "unknown or revoked token");
}
