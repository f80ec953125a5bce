// The VM ledger kept from the store's change feed: for seeded random sequences of VM and node
// changes it equals a ledger read whole from the store; a change its feed did not name is
// caught by the check of what the node's VMs hold before a VM request writes on a stale view.
#include "coordinator/vms/vm_ledger.h"

#include <catch2/catch.hpp>
#include <random>

#include "common/clock.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/store/sqlite_store.h"
#include "coordinator/vms/vm_service.h"
#include "tests/fakes/manual_clock.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;
using common::Json;

namespace {
std::string nodeJson(const std::string& id, int64_t memory_mib, bool virtualization,
                     common::NodeState state = common::NodeState::kActive) {
  common::Node n;
  n.id = id;
  n.machine_id = "m-" + id;
  n.state = state;
  n.facts.memory_bytes = memory_mib << 20;
  n.facts.cpu.virtualization = virtualization;
  return common::toJson(n).dump();
}

std::string vmJson(const std::string& name, const std::string& node, int64_t memory_mib,
                   int64_t cpus) {
  Json spec = {{"name", name}, {"memory_mib", memory_mib}, {"cpus", cpus}};
  return Json{{"name", name}, {"node", node}, {"pinned", ""}, {"spec", spec}}.dump();
}

struct Seen {
  std::vector<std::string> records;  // name@node:memory
  std::map<std::string, std::tuple<int64_t, int64_t, int64_t>> totals;
  std::vector<std::string> hosts;  // id state virt memory placed_mib placed_vms
  bool operator==(const Seen&) const = default;
};

Seen seen(const VmLedger& ledger) {
  Seen s;
  for (const auto& r : ledger.records()) {
    s.records.push_back(r->name + "@" + r->node + ":" + std::to_string(r->memoryMib()));
  }
  for (const auto& [node, t] : ledger.totals()) s.totals[node] = {t.memory_mib, t.cpus, t.vms};
  for (const auto& h : ledger.hosts("", nullptr)) {
    s.hosts.push_back(h.id + " " + std::string(common::toString(h.state)) + " " +
                      std::to_string(h.virtualization) + " " + std::to_string(h.memory_mib) + " " +
                      std::to_string(h.placed_mib) + " " + std::to_string(h.placed_vms));
  }
  return s;
}
}  // namespace

TEST_CASE("vm ledger: kept from the change feed it equals one read whole from the store",
          "[scale][vms]") {
  for (uint32_t seed : {1u, 2u, 3u, 20u, 2026u}) {
    INFO("seed " << seed);
    test::TempDir dir;
    auto opened = SqliteStore::open(dir.file("data"));
    REQUIRE(opened);
    std::unique_ptr<Store> store = std::move(*opened);
    VmLedger fed(*store);
    fed.attachFeed();
    store->setChangeListener(
        [&](const std::vector<std::string>& keys, bool all) { fed.noteChanges(keys, all); });

    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    for (int step = 0; step < 400; ++step) {
      Txn txn;
      // One to three changes a transaction, as VM writes (a record and sections) and node
      // writes (state, facts) come.
      for (int k = 1 + pick(3); k > 0; --k) {
        std::string node = "n" + std::to_string(pick(8));
        std::string vm = "vm" + std::to_string(pick(40));
        switch (pick(6)) {
          case 0:
          case 1:
          case 2:
            txn.put(keys::vm(vm), vmJson(vm, node, 256 * (1 + pick(16)), 1 + pick(8)));
            break;
          case 3:
            txn.erase(keys::vm(vm));
            break;
          case 4:
            txn.put(keys::node(node), nodeJson(node, 1024 * (1 + pick(64)), pick(4) != 0,
                                               pick(5) == 0 ? common::NodeState::kDraining
                                                            : common::NodeState::kActive));
            break;
          case 5:
            txn.erase(keys::node(node));
            break;
        }
        // Other keys change too and are none of the ledger's business.
        txn.put("desired/" + node, "{}");
      }
      REQUIRE(store->commit(txn));
      if (pick(4) == 0 || step == 399) {
        REQUIRE(fed.sync());
        VmLedger rebuilt(*store);  // no feed: reads everything
        auto full = rebuilt.sync();
        REQUIRE(full);
        CHECK(*full);
        REQUIRE(seen(fed) == seen(rebuilt));
      }
    }
    store->setChangeListener({});
  }
}

TEST_CASE("vm ledger: a change the feed has not named is caught before a VM entry is written",
          "[scale][vms]") {
  test::TempDir dir;
  auto opened = SqliteStore::open(dir.file("data"));
  REQUIRE(opened);
  std::unique_ptr<Store> store = std::move(*opened);
  test::ManualClock clock(1'800'000'000);
  LivenessTracker liveness(clock.nowSeconds());
  Inventory inventory(*store, clock, liveness);
  VmService vms(inventory, *store);
  vms.attachFeed();
  bool forward = true;
  store->setChangeListener([&](const std::vector<std::string>& keys, bool all) {
    if (forward) vms.noteChanges(keys, all);
  });

  Txn nodes;
  nodes.put(keys::node("n1"), nodeJson("n1", 65536, true));
  REQUIRE(store->commit(nodes));
  Json body = {{"memory_mib", 1024},
               {"cpus", 2},
               {"kernel", "/var/lib/photon/images/vmlinuz"},
               {"node", "n1"},
               {"disks", {{{"id", "root"}, {"image", "root.qcow2"}, {"size_gib", 1}}}}};
  REQUIRE(vms.put("a", body, nullptr));

  // Another coordinator places "b" on n1 (its record, its entry and what n1's VMs hold in one
  // write), and this one's feed has not told it yet.
  forward = false;
  VmService other(inventory, *store);  // no feed: it reads everything
  REQUIRE(other.put("b", body, nullptr));

  forward = true;  // from here on (b's change stays unnamed)
  REQUIRE(vms.put("c", body, nullptr));
  auto desired = inventory.servedDesired("n1");
  REQUIRE(desired);
  std::vector<std::string> names;
  for (const auto& v : desired->body["vms"]) names.push_back(v["name"]);
  CHECK(names == std::vector<std::string>{"a", "b", "c"});
  // And what the VMs hold on n1 counts b.
  auto totals = vms.totals();
  REQUIRE(totals);
  CHECK((*totals)["n1"].vms == 3);
  CHECK((*totals)["n1"].memory_mib == 3 * 1024);
  CHECK((*totals)["n1"].cpus == 6);
  store->setChangeListener({});
}
