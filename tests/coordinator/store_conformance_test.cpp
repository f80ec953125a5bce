// What every store backend must do the same way: SQLite and etcd run the same cases.
// Revisions are compared relative to each other (etcd's start above 1 and are shared).
#include <catch2/catch.hpp>
#include <thread>

#include "coordinator/store/etcd_store.h"
#include "tests/support/store_backends.h"

using namespace photon;
using namespace photon::coordinator;

namespace {
std::unique_ptr<Store> openOrFail(test::StoreBackend& backend) {
  auto store = backend.open();
  INFO(backend.kind() << ": " << backend.error());
  REQUIRE(store);
  return store;
}
}  // namespace

TEST_CASE("store: transactions apply whole or not at all", "[inventory][etcd][integration]") {
  test::StoreBackend backend(GENERATE(as<std::string>{}, "sqlite", "etcd"));
  SECTION(backend.kind()) {
    auto store = openOrFail(backend);
    auto& s = *store;
    auto r1 = s.commit(Txn{}.expectAbsent("a").put("a", "1").put("b", "2"));
    REQUIRE(r1);
    CHECK(*r1 > 0);
    auto a = s.get("a");
    REQUIRE(a);
    REQUIRE(*a);
    CHECK((*a)->value == "1");
    CHECK((*a)->mod_revision == *r1);
    CHECK(s.revision() == *r1);

    // A stale compare fails the whole transaction, naming the key.
    auto stale = s.commit(Txn{}.expect("b", *r1).expect("a", 0).put("a", "x").put("c", "3"));
    REQUIRE_FALSE(stale);
    CHECK(stale.error().code == common::ErrorCode::kConflict);
    CHECK(stale.error().field == "a");
    CHECK_FALSE(*s.get("c"));
    CHECK((*s.get("a"))->value == "1");
    CHECK(s.revision() == *r1);

    auto r2 = s.commit(Txn{}.expect("a", *r1).put("a", "10").erase("b"));
    REQUIRE(r2);
    CHECK(*r2 > *r1);
    CHECK((*s.get("a"))->mod_revision == *r2);
    CHECK((*s.get("a"))->create_revision == *r1);
    CHECK_FALSE(*s.get("b"));
    auto range = s.range("");
    REQUIRE(range);
    CHECK(range->kvs.size() == 1);
    CHECK(range->revision == *r2);

    // A key that must be absent but exists: the conflict names it.
    auto present = s.commit(Txn{}.expectAbsent("a").put("a", "y"));
    REQUIRE_FALSE(present);
    CHECK(present.error().code == common::ErrorCode::kConflict);
    CHECK(present.error().field == "a");
  }
}

TEST_CASE("store: what was committed is there after reopening", "[inventory][etcd][integration]") {
  test::StoreBackend backend(GENERATE(as<std::string>{}, "sqlite", "etcd"));
  SECTION(backend.kind()) {
    int64_t last = 0;
    {
      auto store = openOrFail(backend);
      for (int i = 0; i < 20; ++i) {
        auto r = store->commit(Txn{}.put("k/" + std::to_string(i), std::to_string(i)));
        REQUIRE(r);
        last = *r;
      }
      auto erased = store->commit(Txn{}.erase("k/3"));
      REQUIRE(erased);
      last = *erased;
      REQUIRE(store->commit(Txn{}.put("other/x", "y")));
    }
    auto store = openOrFail(backend);
    auto range = store->range("k/");
    REQUIRE(range);
    REQUIRE(range->kvs.size() == 19);
    CHECK(range->kvs[0].key == "k/0");
    CHECK(range->kvs[1].key == "k/1");  // key order: k/1 < k/10 < k/11 ...
    CHECK(range->kvs[2].key == "k/10");
    CHECK(range->revision > last);
    CHECK(store->revision() == range->revision);
    CHECK((*store->get("k/7"))->value == "7");
  }
}

TEST_CASE("store: a waiter wakes when its key changes, not before",
          "[inventory][etcd][integration]") {
  test::StoreBackend backend(GENERATE(as<std::string>{}, "sqlite", "etcd"));
  SECTION(backend.kind()) {
    auto store = openOrFail(backend);
    auto& s = *store;
    auto first = s.commit(Txn{}.put("watched", "1"));
    REQUIRE(first);
    int64_t known = (*s.get("watched"))->mod_revision;
    CHECK(known == *first);
    // Times out when nothing changes.
    CHECK(s.waitForChange("watched", known, std::chrono::milliseconds(50)) == known);
    int64_t written = 0;
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto other = s.commit(Txn{}.put("other", "x"));  // another key: no wake-up result
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto mine = s.commit(Txn{}.put("watched", "2"));
      if (other && mine) written = *mine;
    });
    auto started = std::chrono::steady_clock::now();
    int64_t now_rev = s.waitForChange("watched", known, std::chrono::seconds(10));
    writer.join();
    REQUIRE(written > 0);
    CHECK(now_rev == written);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  }
}

TEST_CASE("store: a write through another store on the same data wakes this one's waiter",
          "[inventory][etcd][integration]") {
  // Two coordinators on one etcd: the agents' long-poll must answer a change made elsewhere.
  test::StoreBackend backend("etcd");
  auto mine = openOrFail(backend);
  auto theirs = openOrFail(backend);
  auto first = mine->commit(Txn{}.put("desired/n1", "{}"));
  REQUIRE(first);
  REQUIRE(theirs->waitForChange("desired/n1", 0, std::chrono::seconds(5)) == *first);
  int64_t written = 0;
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto r = theirs->commit(Txn{}.expect("desired/n1", *first).put("desired/n1", "{\"a\":1}"));
    if (r) written = *r;
  });
  int64_t now_rev = mine->waitForChange("desired/n1", *first, std::chrono::seconds(10));
  writer.join();
  REQUIRE(written > 0);
  CHECK(now_rev == written);
  CHECK((*mine->get("desired/n1"))->value == "{\"a\":1}");

  // Both write from the same read: one wins, the other gets a conflict naming the key.
  auto a = mine->commit(Txn{}.expect("desired/n1", written).put("desired/n1", "{\"a\":2}"));
  auto b = theirs->commit(Txn{}.expect("desired/n1", written).put("desired/n1", "{\"a\":3}"));
  CHECK(a.has_value() != b.has_value());
  const auto& lost = a ? b : a;
  REQUIRE_FALSE(lost);
  CHECK(lost.error().code == common::ErrorCode::kConflict);
  CHECK(lost.error().field == "desired/n1");
  // After the conflict the loser's mirror already holds the winner's value.
  CHECK((*theirs->get("desired/n1"))->value == "{\"a\":2}");
}

TEST_CASE("etcd store: a member that hangs under the watch is noticed without writes of our own",
          "[inventory][etcd][integration]") {
  test::EtcdCluster etcd(3);
  REQUIRE(etcd.ready());
  const auto& urls = etcd.clientUrls();
  auto storeOn = [&](std::vector<std::string> endpoints) {
    EtcdOptions options;
    options.endpoints = std::move(endpoints);
    options.request_timeout = std::chrono::seconds(1);
    auto client = EtcdClient::create(options);
    REQUIRE(client);
    auto store = EtcdStore::open(std::move(*client), "/hang-test/", std::chrono::milliseconds(300));
    REQUIRE(store);
    return std::move(*store);
  };
  auto reader = storeOn({urls[0], urls[1], urls[2]});  // watches through member 0
  auto writer = storeOn({urls[1], urls[2], urls[0]});
  auto first = writer->commit(Txn{}.put("k", "1"));
  REQUIRE(first);
  REQUIRE(reader->waitForChange("k", 0, std::chrono::seconds(5)) == *first);

  etcd.pauseMember(0, true);  // its connections stay open; nothing comes through them
  auto second = writer->commit(Txn{}.expect("k", *first).put("k", "2"));
  INFO((second ? "" : second.error().message));
  REQUIRE(second);
  // The reader's progress check sees etcd ahead of its mirror and moves the watch on.
  CHECK(reader->waitForChange("k", *first, std::chrono::seconds(20)) == *second);
  CHECK((*reader->get("k"))->value == "2");
  etcd.pauseMember(0, false);
}
