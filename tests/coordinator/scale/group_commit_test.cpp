// Group commit over a real store (SQLite): queued transactions go in one store write; a member
// whose compare no longer holds fails alone; what is queued counts as pending until it lands.
#include "coordinator/store/group_commit.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
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

namespace {
// A store whose commits take a while, like etcd's waiting on the members' fsyncs, and which
// counts how many are under way at once.
class SlowStore final : public Store {
 public:
  SlowStore(Store& inner, size_t in_flight) : inner_(inner), in_flight_(in_flight) {}
  Result<std::optional<KeyValue>> get(const std::string& key) override { return inner_.get(key); }
  Result<RangeResult> range(const std::string& prefix) override { return inner_.range(prefix); }
  Result<int64_t> commit(const Txn& txn) override {
    const int now = ++committing_;
    for (int seen = most_; now > seen && !most_.compare_exchange_weak(seen, now);) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto result = inner_.commit(txn);
    --committing_;
    return result;
  }
  size_t commitsInFlight() const override { return in_flight_; }
  int64_t revision() override { return inner_.revision(); }
  int64_t waitForChange(const std::string& key, int64_t known,
                        std::chrono::milliseconds timeout) override {
    return inner_.waitForChange(key, known, timeout);
  }
  void setChangeListener(ChangeListener listener) override {
    inner_.setChangeListener(std::move(listener));
  }
  int mostAtOnce() const { return most_; }

 private:
  Store& inner_;
  const size_t in_flight_;
  std::atomic<int> committing_{0};
  std::atomic<int> most_{0};
};
}  // namespace

TEST_CASE("group commit: groups commit side by side up to the store's limit and never past it",
          "[scale]") {
  test::TempDir dir;
  auto inner = openStore(dir);
  SlowStore store(*inner, 3);
  // One op a group, so that every writer is a group of its own.
  GroupCommit group(store, GroupCommitLimits{.max_ops = 1, .max_compares = 1});
  constexpr int kThreads = 12;
  std::vector<std::thread> threads;
  std::atomic<int> failed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto ticket = group.enqueue(create("k/" + std::to_string(t), "v"));
      if (!group.wait(ticket)) ++failed;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  CHECK(inner->range("k/")->kvs.size() == kThreads);
  CHECK(group.stats().groups == kThreads);
  CHECK(store.mostAtOnce() <= 3);
  CHECK(group.stats().most_in_flight <= 3);
  // Twelve writers waiting 20 ms each: a second group went while the first was under way.
  CHECK(store.mostAtOnce() >= 2);
}

TEST_CASE("group commit: on a store with one writer one group commits at a time", "[scale]") {
  test::TempDir dir;
  auto inner = openStore(dir);
  SlowStore store(*inner, 1);
  GroupCommit group(store, GroupCommitLimits{.max_ops = 1, .max_compares = 1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      auto ticket = group.enqueue(create("k/" + std::to_string(t), "v"));
      CHECK(group.wait(ticket));
    });
  }
  for (auto& t : threads) t.join();
  CHECK(store.mostAtOnce() == 1);
  CHECK(group.stats().most_in_flight == 1);
}
