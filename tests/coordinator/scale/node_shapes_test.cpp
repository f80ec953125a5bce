// The nodes' shape a service write is checked against, kept from the change feed: for seeded
// random node writes it equals the shape read whole from the store. (The service API's refusals
// and warnings, through a coordinator whose feed keeps it: service_api_test.cpp.)
#include "coordinator/placement/node_shapes.h"

#include <catch2/catch.hpp>
#include <random>

#include "common/api/node.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/fed_view.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;
using placement::FleetShape;
using placement::NodeShapes;

namespace {
std::string nodeJson(const std::string& id, int cores, int64_t memory,
                     const std::map<std::string, std::string>& labels, common::NodeState state) {
  common::Node n;
  n.id = id;
  n.machine_id = "m-" + id;
  n.hostname = "host-" + id;
  n.state = state;
  n.facts.cpu.cores = cores;
  n.facts.memory_bytes = memory;
  n.labels = labels;
  return common::toJson(n).dump();
}

std::string describe(const FleetShape& s) {
  std::string out = std::to_string(s.any_capacity) + " " + std::to_string(s.max_cpu_millis) + " " +
                    std::to_string(s.max_memory_bytes);
  for (const auto& key : s.label_keys) out += " " + key;
  return out;
}
}  // namespace

TEST_CASE("node shapes: kept from the change feed they equal the shape read whole (seeded)",
          "[scale][placement]") {
  for (uint32_t seed : {1u, 7u, 2026u}) {
    INFO("seed " << seed);
    test::FedView<NodeShapes> f;
    Store* store = f.store.get();
    NodeShapes& fed = *f.view;
    NodeShapes whole(*store);  // no feed: reads every node on each look

    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    std::set<std::string> shapes_seen;
    for (int step = 0; step < 300; ++step) {
      Txn txn;
      std::set<std::string> written;
      for (int k = 1 + pick(3); k > 0; --k) {
        const std::string id = "n" + std::to_string(pick(8));
        if (!written.insert(keys::node(id)).second) continue;
        if (pick(6) == 0) {
          txn.erase(keys::node(id));
          continue;
        }
        std::map<std::string, std::string> labels;
        for (const char* key : {"rack", "tier", "gpu"}) {
          if (pick(3) == 0) labels[key] = "x";
        }
        // Now and then a node whose capacity is not known yet, or a retired one.
        const int cores = pick(5) == 0 ? 0 : 1 + pick(64);
        const int64_t memory = cores == 0 ? 0 : int64_t{1 + pick(512)} << 30;
        txn.put(keys::node(id),
                nodeJson(id, cores, memory, labels,
                         pick(7) == 0 ? common::NodeState::kRetired : common::NodeState::kActive));
      }
      if (pick(5) == 0) txn.put("tokens/unrelated", "{}");  // not a node
      REQUIRE(store->commit(txn));
      if (pick(3) == 0 || step == 299) {
        auto kept = fed.shape();
        auto read = whole.shape();
        REQUIRE(kept);
        REQUIRE(read);
        REQUIRE(describe(*kept) == describe(*read));
        shapes_seen.insert(describe(*read));
      }
    }
    store->setChangeListener({});
    CHECK(shapes_seen.size() >
          10);  // the sequence moved the shape, so the comparison means something
  }
}

TEST_CASE("node shapes: the largest node and the labels follow retirements and removals",
          "[placement]") {
  test::FedView<NodeShapes> f;
  Store* store = f.store.get();
  NodeShapes& shapes = *f.view;
  auto put = [&](const std::string& id, int cores, const std::map<std::string, std::string>& labels,
                 common::NodeState state = common::NodeState::kActive) {
    Txn txn;
    txn.put(keys::node(id), nodeJson(id, cores, int64_t{cores} << 30, labels, state));
    REQUIRE(store->commit(txn));
  };
  auto empty = shapes.shape();
  REQUIRE(empty);
  CHECK_FALSE(empty->any_capacity);

  put("a", 8, {{"rack", "r1"}});
  put("b", 32, {{"gpu", "yes"}});
  auto two = shapes.shape();
  REQUIRE(two);
  CHECK(two->max_cpu_millis == 32000);
  CHECK(two->max_memory_bytes == int64_t{32} << 30);
  CHECK(two->label_keys == std::set<std::string>{"gpu", "rack"});

  put("b", 32, {{"gpu", "yes"}}, common::NodeState::kRetired);
  auto retired = shapes.shape();
  REQUIRE(retired);
  CHECK(retired->max_cpu_millis == 8000);
  CHECK(retired->label_keys == std::set<std::string>{"rack"});

  Txn gone;
  gone.erase(keys::node("a"));
  REQUIRE(store->commit(gone));
  auto none = shapes.shape();
  REQUIRE(none);
  CHECK_FALSE(none->any_capacity);
  CHECK(none->label_keys.empty());
}
