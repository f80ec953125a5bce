#include <catch2/catch.hpp>

#include <thread>

#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;

TEST_CASE("sqlite store: transactions apply whole or not at all", "[inventory][integration]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.path());
  REQUIRE(store);
  auto& s = **store;
  auto r1 = s.commit(Txn{}.expectAbsent("a").put("a", "1").put("b", "2"));
  REQUIRE(r1);
  CHECK(*r1 == 1);
  auto a = s.get("a");
  REQUIRE(a);
  REQUIRE(*a);
  CHECK((*a)->value == "1");
  CHECK((*a)->mod_revision == 1);

  // A stale compare fails the whole transaction, naming the key.
  auto stale = s.commit(Txn{}.expect("a", 0).put("a", "x").put("c", "3"));
  REQUIRE_FALSE(stale);
  CHECK(stale.error().code == common::ErrorCode::kConflict);
  CHECK(stale.error().field == "a");
  CHECK_FALSE(*s.get("c"));
  CHECK(s.revision() == 1);

  auto r2 = s.commit(Txn{}.expect("a", 1).put("a", "10").erase("b"));
  REQUIRE(r2);
  CHECK((*s.get("a"))->mod_revision == 2);
  CHECK((*s.get("a"))->create_revision == 1);
  CHECK_FALSE(*s.get("b"));
  auto range = s.range("");
  REQUIRE(range);
  CHECK(range->kvs.size() == 1);
  CHECK(range->revision == 2);
}

TEST_CASE("sqlite store: what was committed is there after reopening", "[inventory][integration]") {
  test::TempDir dir;
  {
    auto store = SqliteStore::open(dir.path());
    REQUIRE(store);
    for (int i = 0; i < 20; ++i) {
      REQUIRE((*store)->commit(Txn{}.put("k/" + std::to_string(i), std::to_string(i))));
    }
    REQUIRE((*store)->commit(Txn{}.erase("k/3")));
  }
  auto store = SqliteStore::open(dir.path());
  REQUIRE(store);
  auto range = (*store)->range("k/");
  REQUIRE(range);
  CHECK(range->kvs.size() == 19);
  CHECK(range->revision == 21);
  CHECK((*store)->revision() == 21);
}

TEST_CASE("sqlite store: a waiter wakes when its key changes, not before",
          "[inventory][integration]") {
  test::TempDir dir;
  auto store = SqliteStore::open(dir.path());
  REQUIRE(store);
  auto& s = **store;
  REQUIRE(s.commit(Txn{}.put("watched", "1")));
  int64_t known = (*s.get("watched"))->mod_revision;
  // Times out when nothing changes.
  CHECK(s.waitForChange("watched", known, std::chrono::milliseconds(50)) == known);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(s.commit(Txn{}.put("other", "x")));  // another key: no wake-up result
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(s.commit(Txn{}.put("watched", "2")));
  });
  auto started = std::chrono::steady_clock::now();
  int64_t now_rev = s.waitForChange("watched", known, std::chrono::seconds(10));
  writer.join();
  CHECK(now_rev == 3);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}
