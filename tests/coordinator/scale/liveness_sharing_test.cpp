// LivenessSharing over a real store (SQLite here; the etcd path is the scale test's): two
// coordinators' trackers on one store agree once each has published and merged, a stopped
// coordinator's batch stops counting after a TTL, and only the leader removes a dead one.
#include "coordinator/inventory/liveness_sharing.h"

#include <catch2/catch.hpp>

#include "common/clock.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/fakes/manual_clock.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;

TEST_CASE("liveness sharing: coordinators on one store agree, a stopped one's batch ages out",
          "[scale]") {
  test::TempDir dir;
  auto opened = SqliteStore::open(dir.file("data"));
  REQUIRE(opened);
  std::unique_ptr<Store> store = std::move(*opened);
  test::ManualClock clock(1'800'000'000);
  const int64_t ttl = common::LifecycleSettings{}.node_ttl_s;  // no cluster declared: 60 s

  LivenessTracker a_tracker(clock.nowSeconds()), b_tracker(clock.nowSeconds());
  Inventory a_inventory(*store, clock, a_tracker), b_inventory(*store, clock, b_tracker);
  bool a_leads = true;
  LivenessSharing a(a_inventory, *store, a_tracker, "a:7480", [&] { return a_leads; });
  LivenessSharing b(b_inventory, *store, b_tracker, "b:7480", [] { return false; });

  // n1 polls a, n2 polls b.
  clock.advance(ttl + 10);  // past both trackers' start-up grace
  a_tracker.seen("n1", clock.nowSeconds());
  b_tracker.seen("n2", clock.nowSeconds());
  REQUIRE(a.publish());
  REQUIRE(b.publish());
  REQUIRE(a.merge());
  REQUIRE(b.merge());
  for (auto* t : {&a_tracker, &b_tracker}) {
    CHECK_FALSE(t->missing("n1", clock.nowSeconds(), ttl));
    CHECK_FALSE(t->missing("n2", clock.nowSeconds(), ttl));
    CHECK(t->lastSeen("n1") == clock.nowSeconds());
  }
  CHECK(a.stats().coordinators == 2);
  CHECK(a.stats().published == 1);
  CHECK(a.stats().last_document_bytes > 0);

  // b stops publishing; n2 keeps polling a for 30 s: alive through a's batch.
  clock.advance(30);
  a_tracker.seen("n2", clock.nowSeconds());
  REQUIRE(a.publish());
  REQUIRE(a.merge());
  CHECK(a_tracker.lastSeen("n2") == clock.nowSeconds());
  // Past a TTL b's batch no longer counts (a still publishes: its own does).
  clock.advance(ttl - 20);
  REQUIRE(a.publish());
  REQUIRE(a.merge());
  CHECK(a.stats().coordinators == 1);
  // Ten TTLs on, the leader removes b's batch; a follower would not.
  clock.advance(10 * ttl);
  REQUIRE(a.publish());
  a_leads = false;
  REQUIRE(a.merge());
  CHECK(store->get(keys::liveness("b:7480")).value().has_value());
  a_leads = true;
  REQUIRE(a.merge());
  CHECK_FALSE(store->get(keys::liveness("b:7480")).value().has_value());
  CHECK(store->get(keys::liveness("a:7480")).value().has_value());
}

TEST_CASE("liveness sharing: a corrupt batch is skipped, the others still count", "[scale]") {
  test::TempDir dir;
  auto opened = SqliteStore::open(dir.file("data"));
  REQUIRE(opened);
  std::unique_ptr<Store> store = std::move(*opened);
  test::ManualClock clock(1'800'000'000);
  LivenessTracker tracker(clock.nowSeconds());
  Inventory inventory(*store, clock, tracker);
  LivenessSharing sharing(inventory, *store, tracker, "a:7480", [] { return true; });
  Txn txn;
  txn.put(keys::liveness("broken"), R"({"coordinator": 5})");
  txn.put(keys::liveness("b:7480"),
          encodeLivenessDocument(
              {"b:7480", clock.nowSeconds() + 100, {{"n1", clock.nowSeconds() + 100}}}));
  REQUIRE(store->commit(txn));
  clock.advance(100);
  REQUIRE(sharing.merge());
  CHECK(tracker.lastSeen("n1") == clock.nowSeconds());
  CHECK(sharing.stats().coordinators == 1);
}
