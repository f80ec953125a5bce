// Retiring a node revokes its token: the agent API refuses it afterwards, a retire that cannot
// read the token (a store error) retires nothing rather than leave the token working, and a
// token rotated while the retire was deciding is revoked too.
#include <catch2/catch.hpp>

#include "coordinator/auth/tokens.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/faulty_store.h"

using namespace photon;
using test::CoordinatorFixture;

namespace {
// A coordinator over a FaultyStore (SQLite underneath) and one enrolled node.
struct World {
  test::TempDir dir;
  test::FaultyStore* store = nullptr;
  std::unique_ptr<CoordinatorFixture> c;
  CoordinatorFixture::Enrolled node;
  std::string desired, retire;  // its desired document, its retire action

  World() {
    auto sqlite = coordinator::SqliteStore::open(dir.file("data"));
    REQUIRE(sqlite);
    auto faulty = std::make_unique<test::FaultyStore>(std::move(*sqlite));
    store = faulty.get();
    c = std::make_unique<CoordinatorFixture>(std::move(faulty));
    node = c->enrol(1);
    desired = "/api/v1/nodes/" + node.id + "/desired";
    retire = "/api/v1/nodes/" + node.id + "/actions/retire";
  }
};
}  // namespace

TEST_CASE("trust: a retired node's token is refused, and a retire that cannot read it fails whole",
          "[trust][inventory][integration]") {
  World w;
  CoordinatorFixture& c = *w.c;
  REQUIRE(c.as(w.node.token, "GET", w.desired).status == 200);

  // The store fails the read of the node's token hash: the retire fails and changes nothing.
  w.store->failGets(coordinator::keys::token(w.node.id));
  auto failed = c.admin("POST", w.retire);
  w.store->heal();
  CHECK(failed.status == 503);
  CHECK(failed.body["error"].get<std::string>().find("token") != std::string::npos);
  CHECK(c.admin("GET", "/api/v1/nodes/" + w.node.id).body["state"] == "discovered");
  CHECK(c.as(w.node.token, "GET", w.desired).status == 200);

  // Once the store answers, the retire goes through and the token finds no node any more.
  auto retired = c.admin("POST", w.retire);
  REQUIRE(retired.status == 200);
  CHECK(retired.body["state"] == "retired");
  auto refused = c.as(w.node.token, "GET", w.desired);
  CHECK(refused.status == 401);
  CHECK(refused.body["error"] == "unknown or revoked token");
}

TEST_CASE("trust: a token rotated while a retire decides is revoked with the node",
          "[trust][inventory][integration]") {
  World w;
  CoordinatorFixture& c = *w.c;
  // Between the retire's reads and its commit, a writer rotates the node's token without
  // touching the node's record (the retire compares that record, so a phone-home, which also
  // rewrites it, would send the retire round again anyway: only the token's own guard is
  // tested here).
  const std::string rotated = "a-token-rotated-while-the-retire-decides";
  w.store->beforeCommitOf(coordinator::keys::token(w.node.id), [&] {
    const std::string hash = coordinator::sha256Hex(rotated);
    coordinator::Txn rotate;
    rotate.erase(coordinator::keys::tokenIndex(coordinator::sha256Hex(w.node.token)))
        .put(coordinator::keys::token(w.node.id), hash)
        .put(coordinator::keys::tokenIndex(hash), w.node.id);
    REQUIRE(w.store->commit(rotate));
  });
  REQUIRE(c.as(w.node.token, "GET", w.desired).status == 200);
  auto retired = c.admin("POST", w.retire);
  CHECK(retired.status == 200);
  CHECK(retired.body["state"] == "retired");
  // The retire's round saw the rotation and went again: neither token finds the node.
  CHECK(c.as(w.node.token, "GET", w.desired).status == 401);
  CHECK(c.as(rotated, "GET", w.desired).status == 401);
}
