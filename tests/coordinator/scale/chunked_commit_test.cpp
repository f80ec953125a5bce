// commitInChunks on a real SQLite store held to a limit: units packed in order into
// transactions within it, a unit too large refused before anything is written, and a guard
// that moved stopping the rest with the chunks before it kept.
#include "coordinator/store/chunked_commit.h"

#include <catch2/catch.hpp>

#include "coordinator/store/sqlite_store.h"
#include "tests/coordinator/scale/deployment_fleet.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;
using test::LimitedStore;

namespace {
using Limited = test::LimitedSqlite;

// Unit i: a compare that key u/i is absent and puts of u/i and v/i.
std::vector<Txn> pairs(int count) {
  std::vector<Txn> units;
  for (int i = 0; i < count; ++i) {
    const std::string n = std::to_string(i);
    units.push_back(Txn().expectAbsent("u/" + n).put("u/" + n, "1").put("v/" + n, "1"));
  }
  return units;
}
}  // namespace

TEST_CASE("chunked commit: units are packed in order into transactions within the store's limit",
          "[scale][store]") {
  Limited s(128);
  REQUIRE(s.store->commit(Txn().put("guard", "g")));
  const int64_t guard = s.store->modRevision("guard").value();
  std::vector<std::pair<size_t, size_t>> chunks;
  auto done =
      commitInChunks(*s.store, pairs(300), {"guard", guard}, s.store->maxTxnOps(),
                     [&](size_t first, size_t last, int64_t) { chunks.emplace_back(first, last); });
  REQUIRE(done);
  // 2 ops, 1 compare and 2 keys a unit: 63 units a chunk (126 ops, 127 keys with the guard:
  // etcd's probe of a lost reply reads each key under the same limit).
  CHECK(s.store->largest_ops <= 128);
  CHECK(s.store->largest_compares <= 128);
  CHECK(s.store->largest_keys <= 128);
  REQUIRE(chunks.size() == 5);
  CHECK(chunks.front() == std::make_pair(size_t{0}, size_t{63}));
  CHECK(chunks.back().second == 300);
  for (size_t i = 1; i < chunks.size(); ++i) CHECK(chunks[i].first == chunks[i - 1].second);
  CHECK(s.store->range("u/").value().kvs.size() == 300);
  CHECK(s.store->range("v/").value().kvs.size() == 300);
  // No limit (SQLite's own): one transaction.
  Limited unlimited(0);
  REQUIRE(commitInChunks(*unlimited.store, pairs(300), {}, 0));
  CHECK(unlimited.store->commits == 1);
  CHECK(unlimited.store->largest_ops == 600);
}

TEST_CASE("chunked commit: a unit larger than the limit is refused before anything is written",
          "[scale][store]") {
  Limited s(8);
  std::vector<Txn> units = pairs(3);
  for (int i = 0; i < 9; ++i) units[1].put("w/" + std::to_string(i), "1");
  auto done = commitInChunks(*s.store, units, {}, s.store->maxTxnOps());
  REQUIRE_FALSE(done);
  CHECK(s.store->commits == 0);
  CHECK(s.store->range("u/").value().kvs.empty());
}

TEST_CASE("chunked commit: a guard another writer moved stops the rest, the chunks before stay",
          "[scale][store]") {
  Limited s(8);
  REQUIRE(s.store->commit(Txn().put("guard", "g")));
  const int64_t guard = s.store->modRevision("guard").value();
  int chunks = 0;
  // After the first chunk someone else writes the guard: the second chunk conflicts on it.
  auto done = commitInChunks(*s.store, pairs(10), {"guard", guard}, s.store->maxTxnOps(),
                             [&](size_t, size_t, int64_t) {
                               if (++chunks == 1)
                                 REQUIRE(s.sqlite->commit(Txn().put("guard", "x")));
                             });
  REQUIRE_FALSE(done);
  CHECK(done.error().code == common::ErrorCode::kConflict);
  CHECK(done.error().field == "guard");
  CHECK(chunks == 1);
  // 2 keys a unit and the guard's in 8: three units in the first chunk, nothing of the others.
  CHECK(s.store->range("u/").value().kvs.size() == 3);

  // A chunk that writes the guard itself moves it: the chunks after it still commit.
  Limited own(8);
  REQUIRE(own.store->commit(Txn().put("guard", "g")));
  std::vector<Txn> units = {Txn().put("guard", "new")};
  for (auto& unit : pairs(10)) units.push_back(unit);
  auto written =
      commitInChunks(*own.store, units, {"guard", own.store->modRevision("guard").value()},
                     own.store->maxTxnOps());
  REQUIRE(written);
  CHECK(own.store->range("u/").value().kvs.size() == 10);
}

TEST_CASE(
    "chunked commit: a store with an operation limit gets at most 1 MiB of keys and values a "
    "transaction, and a larger unit is refused before anything is written",
    "[scale][store]") {
  Limited s(128);
  const std::string value(300 * 1024, 'x');  // a node's desired document with many VM specs
  std::vector<Txn> units;
  for (int i = 0; i < 7; ++i) units.push_back(Txn().put("big/" + std::to_string(i), value));
  REQUIRE(commitInChunks(*s.store, units, {}, s.store->maxTxnOps()));
  CHECK(s.store->largest_bytes <= size_t{1} << 20);
  CHECK(s.store->commits == 3);  // 3 + 3 + 1 units of 300 KiB
  CHECK(s.store->range("big/").value().kvs.size() == 7);

  Limited refused(128);
  std::vector<Txn> too_large = {Txn().put("a", "1"),
                                Txn().put("huge", std::string((1 << 20) + 1, 'x'))};
  auto done = commitInChunks(*refused.store, too_large, {}, refused.store->maxTxnOps());
  REQUIRE_FALSE(done);
  CHECK(done.error().code == common::ErrorCode::kTooLarge);
  CHECK(done.error().field == "huge");
  CHECK(refused.store->commits == 0);
}
