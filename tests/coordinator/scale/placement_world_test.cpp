// Placement's world kept from the change feed: for seeded random sequences of node, report,
// service, placement-memory and cluster writes it equals a world read whole from the store,
// and a sync says which services and nodes moved.
#include "coordinator/placement/placement_world.h"

#include <catch2/catch.hpp>
#include <random>

#include "coordinator/inventory/keys.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/fed_view.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;
using placement::Allocation;
using placement::PlacementState;
using placement::PlacementWorld;
namespace pk = placement::keys;
using common::Json;

namespace {
std::string nodeJson(const std::string& id, int cores, const std::string& rack,
                     common::NodeState state) {
  common::Node n;
  n.id = id;
  n.machine_id = "m-" + id;
  n.hostname = "host-" + id;
  n.state = state;
  n.facts.cpu.cores = cores;
  n.facts.memory_bytes = int64_t{cores} << 32;
  n.labels = {{"rack", rack}};
  return common::toJson(n).dump();
}

std::string observedJson(const std::vector<std::string>& instances, const std::string& health) {
  Json list = Json::array();
  for (const auto& name : instances) {
    list.push_back({{"name", name}, {"state", "active"}, {"health", health}, {"revision", "r1"}});
  }
  return Json{{"domains", {{"units", {{"instances", list}}}}}}.dump();
}

std::string serviceJson(int replicas, bool global, int version) {
  // Each version asks for other resources: what a placement holds follows its spec.
  Json spec = {{"resources", {{"cpu_millis", 100 * (version + 1)}, {"memory_bytes", 1 << 20}}},
               {"instance", {{"exec", {"/bin/svc", std::to_string(version)}}}}};
  if (global) {
    spec["global"] = true;
  } else {
    spec["replicas"] = replicas;
  }
  return spec.dump();
}

// `variant` 1: the revision's template names its resources (else the spec's count); 2: the
// first allocation is lost (it holds nothing).
std::string stateJson(const std::string& service, const std::vector<std::string>& nodes,
                      int variant = 0) {
  PlacementState s;
  s.service = service;
  for (const auto& node : nodes) {
    Allocation a;
    a.name = s.newInstanceName();
    a.slot = static_cast<int64_t>(s.allocations.size());
    a.node = node;
    a.revision = "r1";
    a.lost = variant == 2 && s.allocations.empty();
    s.allocations.push_back(a);
  }
  if (variant == 1) {
    s.templates["r1"] = {{"instance", {{"exec", {"/bin/svc"}}}},
                         {"resources", {{"cpu_millis", 250}, {"memory_bytes", 3 << 20}}}};
  }
  return toJson(s).dump();
}

std::string rebuilt(Store& store) {
  PlacementWorld world(store);  // no feed: reads everything
  auto changes = world.sync();
  REQUIRE(changes);
  CHECK(changes->everything);
  return world.describe();
}
}  // namespace

TEST_CASE("placement world: kept from the change feed it equals one read whole from the store",
          "[scale][placement]") {
  for (uint32_t seed : {1u, 2u, 3u, 20u, 2026u}) {
    INFO("seed " << seed);
    test::FedView<PlacementWorld> f;
    Store* store = f.store.get();
    PlacementWorld& fed = *f.view;
    REQUIRE(fed.sync());

    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    auto node = [&] { return "n" + std::to_string(pick(10)); };
    for (int step = 0; step < 400; ++step) {
      Txn txn;
      std::set<std::string> written;  // one op per key a transaction, as real writers do
      for (int k = 1 + pick(3); k > 0; --k) {
        std::string id = node();
        std::string service = "s" + std::to_string(pick(6));
        switch (pick(10)) {
          case 0:
          case 1: {
            auto state = pick(6) == 0   ? common::NodeState::kRetired
                         : pick(4) == 0 ? common::NodeState::kDraining
                                        : common::NodeState::kActive;
            if (written.insert(keys::node(id)).second) {
              txn.put(keys::node(id),
                      nodeJson(id, 4 + pick(4), "r" + std::to_string(pick(3)), state));
            }
            break;
          }
          case 2:
            if (written.insert(keys::node(id)).second) txn.erase(keys::node(id));
            break;
          case 3:
          case 4:
            // The same report again (most are) or a different one.
            if (written.insert(keys::observed(id)).second) {
              txn.put(keys::observed(id), observedJson({service + "-" + std::to_string(pick(3))},
                                                       pick(3) == 0 ? "unhealthy" : "healthy"));
            }
            break;
          case 5:
            if (written.insert(pk::service(service)).second) {
              txn.put(pk::service(service), serviceJson(1 + pick(4), pick(5) == 0, pick(3)));
            }
            break;
          case 6:
            if (written.insert(pk::service(service)).second) txn.erase(pk::service(service));
            break;
          case 7:
            if (written.insert(pk::placement(service)).second) {
              txn.put(pk::placement(service), stateJson(service, {node(), node()}, pick(3)));
            }
            break;
          case 8:
            if (written.insert(pk::placement(service)).second) txn.erase(pk::placement(service));
            break;
          case 9: {
            if (!written.insert(std::string(keys::kCluster)).second) break;
            Json cluster = test::CoordinatorFixture::sampleCluster();
            cluster["settings"]["node_ttl_s"] = 10 + pick(50);
            // A core service wins its name: what that placement holds follows the declaration.
            if (pick(2) == 0) {
              cluster["core_services"] = {{{"name", "s" + std::to_string(pick(6))},
                                           {"nodes", {"n1"}},
                                           {"resources", {{"cpu_millis", 50 * (1 + pick(3))}}},
                                           {"instance", {{"exec", {"/bin/core"}}}}}};
            }
            txn.put(keys::kCluster, cluster.dump());
            break;
          }
        }
        // Keys that are none of placement's business change too.
        if (written.insert("tokens/" + id).second) txn.put("tokens/" + id, "{}");
      }
      REQUIRE(store->commit(txn));
      if (pick(4) == 0 || step == 399) {
        auto changes = fed.sync();
        REQUIRE(changes);
        REQUIRE(fed.describe() == rebuilt(*store));
      }
    }
  }
}

TEST_CASE("placement world: a sync names only what moved, and nothing when nothing did",
          "[scale][placement]") {
  test::FedView<PlacementWorld> f;
  Store* store = f.store.get();
  PlacementWorld& fed = *f.view;
  Txn setup;
  for (const char* id : {"n1", "n2", "n3"}) {
    setup.put(keys::node(id), nodeJson(id, 8, "r1", common::NodeState::kActive));
    setup.put(keys::observed(id), observedJson({"web-0"}, "healthy"));
  }
  setup.put(pk::service("web"), serviceJson(2, false, 1));
  setup.put(pk::placement("web"), stateJson("web", {"n1", "n2"}));
  REQUIRE(store->commit(setup));
  auto first = fed.sync();
  REQUIRE(first);
  CHECK(first->everything);
  CHECK(fed.servicesOn("n1") == std::set<std::string>{"web"});
  CHECK(fed.servicesOn("n3").empty());
  // What the placement holds: the spec's resources (version 1: 200 millis) on each of its nodes.
  CHECK(fed.held().size() == 2);
  CHECK(fed.held().at("n1").cpu_millis == 200);
  CHECK(fed.held().at("n2").memory_bytes == 1 << 20);
  REQUIRE(fed.heldBy("web"));
  CHECK(fed.heldBy("web")->size() == 2);
  CHECK_FALSE(fed.heldBy("other"));

  auto idle = fed.sync();
  REQUIRE(idle);
  CHECK_FALSE(idle->everything);
  CHECK(idle->services.empty());
  CHECK(idle->nodes.empty());
  CHECK(idle->observed.empty());

  // The same report again: the key moved, what it says of the units did not.
  Txn again;
  again.put(keys::observed("n2"), observedJson({"web-0"}, "healthy"));
  again.put(keys::observed("n3"), observedJson({"web-0"}, "unhealthy"));
  again.put(keys::node("n1"), nodeJson("n1", 8, "r2", common::NodeState::kDraining));
  again.put(keys::desired("n2"), "{}");
  REQUIRE(store->commit(again));
  auto moved = fed.sync();
  REQUIRE(moved);
  CHECK(moved->observed == std::set<std::string>{"n3"});
  CHECK(moved->nodes == std::set<std::string>{"n1"});
  CHECK(moved->desired == std::set<std::string>{"n2"});
  CHECK(moved->services.empty());
  CHECK(fed.world().node("n1")->state == common::NodeState::kDraining);

  // Placement's own write, told to the world, is not a change when the feed names it.
  std::string raw = stateJson("web", {"n2", "n3"});
  Txn own;
  own.put(pk::placement("web"), raw);
  auto revision = store->commit(own);
  REQUIRE(revision);
  auto parsed = placement::placementStateFromJson(Json::parse(raw));
  REQUIRE(parsed);
  fed.stored("web", *parsed, raw, *revision);
  auto after = fed.sync();
  REQUIRE(after);
  CHECK(after->services.empty());
  CHECK(fed.servicesOn("n1").empty());
  CHECK(fed.servicesOn("n3") == std::set<std::string>{"web"});
  CHECK_FALSE(fed.held().contains("n1"));
  CHECK(fed.held().at("n3").cpu_millis == 200);
  REQUIRE(fed.describe() == rebuilt(*store));

  // A new spec changes what the same placement holds; a spec gone, it holds nothing.
  Txn respec;
  respec.put(pk::service("web"), serviceJson(2, false, 4));
  REQUIRE(store->commit(respec));
  REQUIRE(fed.sync());
  CHECK(fed.held().at("n3").cpu_millis == 500);
  Txn gone;
  gone.erase(pk::service("web"));
  REQUIRE(store->commit(gone));
  REQUIRE(fed.sync());
  CHECK(fed.held().empty());
  CHECK_FALSE(fed.heldBy("web"));
  REQUIRE(fed.describe() == rebuilt(*store));
}
