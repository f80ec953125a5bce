// Group commit over a real store (SQLite): queued transactions go in one store write; a member
// whose compare no longer holds fails alone; what is queued counts as pending until it lands.
#include "coordinator/store/group_commit.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;

namespace {
std::unique_ptr<Store> openStore(const test::TempDir& dir) {
  auto opened = SqliteStore::open(dir.file("data"));
  REQUIRE(opened);
  return std::move(*opened);
}

Txn create(const std::string& key, const std::string& value) {
  Txn txn;
  txn.expectAbsent(key).put(key, value);
  return txn;
}
}  // namespace

TEST_CASE("group commit: queued transactions share one store write", "[scale]") {
  test::TempDir dir;
  auto store = openStore(dir);
  GroupCommit group(*store);
  const int64_t before = store->revision();
  std::vector<GroupCommit::Ticket> tickets;
  for (int i = 0; i < 5; ++i) {
    tickets.push_back(group.enqueue(create("k/" + std::to_string(i), "v")));
  }
  CHECK(group.pending("k/3"));
  CHECK(group.pendingPuts("k/") == 5);
  CHECK(group.pendingKeyOf(create("k/2", "w")) == "k/2");
  CHECK(group.pendingKeyOf(create("k/9", "w")).empty());
  for (auto& t : tickets) REQUIRE(group.wait(t));
  CHECK(store->revision() == before + 1);  // one transaction
  CHECK(group.stats().groups == 1);
  CHECK(group.stats().members == 5);
  CHECK_FALSE(group.pending("k/3"));
  for (int i = 0; i < 5; ++i) CHECK(store->get("k/" + std::to_string(i))->has_value());
}

TEST_CASE("group commit: a member whose compare fails fails alone", "[scale]") {
  test::TempDir dir;
  auto store = openStore(dir);
  REQUIRE(store->commit(create("taken", "someone")));
  GroupCommit group(*store);
  auto a = group.enqueue(create("a", "1"));
  auto stale = group.enqueue(create("taken", "me"));  // read before "taken" was written
  auto b = group.enqueue(create("b", "1"));
  REQUIRE(group.wait(a));
  auto failed = group.wait(stale);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == common::ErrorCode::kConflict);
  REQUIRE(group.wait(b));
  CHECK(group.stats().split == 1);
  CHECK((*store->get("taken"))->value == "someone");
  CHECK(store->get("a")->has_value());
  CHECK(store->get("b")->has_value());
}

TEST_CASE("group commit: writers from many threads all land, no group past the limits", "[scale]") {
  test::TempDir dir;
  auto store = openStore(dir);
  GroupCommit group(*store, GroupCommitLimits{.max_ops = 10, .max_compares = 10});
  constexpr int kThreads = 8, kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto ticket =
            group.enqueue(create("k/" + std::to_string(t) + "/" + std::to_string(i), "v"));
        if (!group.wait(ticket)) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  CHECK(store->range("k/")->kvs.size() == kThreads * kEach);
  auto stats = group.stats();
  CHECK(stats.members == kThreads * kEach);
  CHECK(stats.groups <= stats.members);
  // No group past the limits: 10 ops, one op a member.
  CHECK(stats.groups * 10 >= stats.members);
  INFO("groups " << stats.groups);
}
