// commitInChunks with several chunks in flight, as on etcd (Store::concurrentCommits): on a
// real SQLite store whose commits are slowed so that overlapping ones show, the chunks before the
// one that writes the guard overlap, that one and the chunks after it land one at a time after
// them, and a failure among the overlapping ones keeps what landed and writes nothing after.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "coordinator/store/chunked_commit.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;

namespace {
// A real SQLite store whose commits take 20 ms more and count how many are in flight at once.
class SlowStore final : public Store {
 public:
  explicit SlowStore(Store& inner) : inner_(inner) {}

  std::atomic<int> in_flight{0}, most_in_flight{0};

  Result<std::optional<KeyValue>> get(const std::string& key) override { return inner_.get(key); }
  Result<int64_t> modRevision(const std::string& key) override { return inner_.modRevision(key); }
  Result<RangeResult> range(const std::string& prefix) override { return inner_.range(prefix); }
  Result<std::vector<KeyRevision>> revisions(const std::string& prefix) override {
    return inner_.revisions(prefix);
  }
  Result<int64_t> commit(const Txn& txn) override {
    const int now = ++in_flight;
    int most = most_in_flight.load();
    while (now > most && !most_in_flight.compare_exchange_weak(most, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto done = inner_.commit(txn);
    --in_flight;
    return done;
  }
  int64_t revision() override { return inner_.revision(); }
  int64_t waitForChange(const std::string& key, int64_t known,
                        std::chrono::milliseconds timeout) override {
    return inner_.waitForChange(key, known, timeout);
  }
  void setChangeListener(ChangeListener) override {}

 private:
  Store& inner_;
};

// 14 node units (a compare that u/i is absent, puts of u/i and v/i: three to a chunk of 8 with
// the guard), the guard written, then 6 release units (erase u/i) after it.
std::vector<Txn> step() {
  std::vector<Txn> units;
  for (int i = 0; i < 14; ++i) {
    const std::string n = std::to_string(i);
    units.push_back(Txn().expectAbsent("u/" + n).put("u/" + n, "1").put("v/" + n, "1"));
  }
  units.push_back(Txn().put("guard", "final"));
  for (int i = 0; i < 6; ++i) units.push_back(Txn().erase("u/" + std::to_string(i)));
  return units;
}

struct Landed {
  size_t first, last;
  int64_t revision;
};

// A fresh store with the guard (and `also`) written, and what commitInChunks tells of the step.
struct Run {
  test::TempDir dir;
  std::unique_ptr<Store> sqlite;
  std::unique_ptr<SlowStore> store;
  std::mutex mutex;
  std::vector<Landed> landed;

  explicit Run(Txn also = {}) {
    auto opened = SqliteStore::open(dir.file("data"));
    REQUIRE(opened);
    sqlite = std::move(*opened);
    store = std::make_unique<SlowStore>(*sqlite);
    also.put("guard", "g");
    REQUIRE(store->commit(also));
  }
  Result<int64_t> step(size_t concurrency) {
    return commitInChunks(
        *store, ::step(), {"guard", store->modRevision("guard").value()}, 8,
        [this](size_t first, size_t last, int64_t revision) {
          std::lock_guard lock(mutex);
          landed.push_back({first, last, revision});
        },
        concurrency);
  }
};
}  // namespace

TEST_CASE(
    "chunked commit: chunks before the one that writes the guard commit several at once, it and "
    "those after it one at a time after them",
    "[scale][store]") {
  Run run;
  auto done = run.step(4);
  SlowStore& store = *run.store;
  const auto& landed = run.landed;
  REQUIRE(done);
  CHECK(store.most_in_flight > 1);
  CHECK(store.most_in_flight <= 4);
  // Told in chunk order, every unit once.
  REQUIRE_FALSE(landed.empty());
  CHECK(landed.front().first == 0);
  CHECK(landed.back().last == 21);
  for (size_t i = 1; i < landed.size(); ++i) CHECK(landed[i].first == landed[i - 1].last);
  // The guard's chunk after every chunk before it, the releases after it, in order.
  size_t guard_chunk = 0;
  while (guard_chunk < landed.size() &&
         !(landed[guard_chunk].first <= 14 && 14 < landed[guard_chunk].last)) {
    ++guard_chunk;
  }
  REQUIRE(guard_chunk < landed.size());
  for (size_t i = 0; i < guard_chunk; ++i) {
    CHECK(landed[i].revision < landed[guard_chunk].revision);
  }
  for (size_t i = guard_chunk + 1; i < landed.size(); ++i) {
    CHECK(landed[i].revision > landed[i - 1].revision);
  }
  CHECK(*done == landed.back().revision);
  CHECK(store.range("u/").value().kvs.size() == 8);  // 14 put, 6 released
  CHECK(store.range("v/").value().kvs.size() == 14);
  CHECK(store.get("guard").value()->value == "final");
}

TEST_CASE(
    "chunked commit: a chunk that fails among several in flight keeps the others that landed "
    "and writes nothing after them",
    "[scale][store]") {
  Run run(Txn().put("u/4", "already"));  // unit 4 conflicts
  auto done = run.step(8);
  SlowStore& store = *run.store;
  const auto& landed = run.landed;
  REQUIRE_FALSE(done);
  CHECK(done.error().code == common::ErrorCode::kConflict);
  CHECK(done.error().field == "u/4");
  // Units 3-5 are the second chunk; the fifth (units 12-14) writes the guard and waits for the
  // four before it: the other three landed, and were told.
  CHECK(landed.size() == 3);
  for (const auto& l : landed) CHECK_FALSE((l.first <= 4 && 4 < l.last));
  CHECK(store.range("v/").value().kvs.size() == 9);
  CHECK(store.get("guard").value()->value == "g");  // nothing after them
  CHECK(store.get("u/0").value());                  // no release ran
}

TEST_CASE(
    "chunked commit: with no chunk writing the guard, the last chunk still lands after every "
    "other one",
    "[scale][store]") {
  // A final step whose header did not move: the nodes and the releases, the running entry's
  // erase last of all (deployments.cpp).
  std::vector<Txn> units = step();
  units.erase(units.begin() + 14);  // no guard write
  units.push_back(Txn().erase("running"));
  Run run(Txn().put("running", "d1"));
  auto done = commitInChunks(
      *run.store, units, {"guard", run.store->modRevision("guard").value()}, 8,
      [&](size_t first, size_t last, int64_t revision) {
        std::lock_guard lock(run.mutex);
        run.landed.push_back({first, last, revision});
      },
      8);
  REQUIRE(done);
  CHECK(run.store->most_in_flight > 1);
  REQUIRE(run.landed.size() > 2);
  const Landed& last = run.landed.back();
  CHECK(last.last == units.size());
  for (size_t i = 0; i + 1 < run.landed.size(); ++i) CHECK(run.landed[i].revision < last.revision);
  CHECK_FALSE(run.store->get("running").value());
}
