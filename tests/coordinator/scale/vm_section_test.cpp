// A node's desired "vms" section kept one key per VM: a VM request writes as much at 200 VMs on
// its node as at the first, the agent's document is assembled in name order with a revision
// that moves on every VM change, and a section an older coordinator wrote whole is served as it
// is until the next VM request on its node converts it (in chunks where the store limits a
// transaction, entries left from before erased).
#include "coordinator/vms/vm_section.h"

#include <catch2/catch.hpp>
#include <cstdio>

#include "coordinator/inventory/keys.h"
#include "coordinator/store/sqlite_store.h"
#include "coordinator/vms/vm_service.h"
#include "tests/coordinator/scale/deployment_fleet.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;
using common::Json;

namespace {
struct World : test::LimitedSqlite {
  test::ManualClock clock{1'800'000'000};
  LivenessTracker liveness{clock.nowSeconds()};
  std::unique_ptr<Inventory> inventory;
  std::unique_ptr<VmService> vms;

  explicit World(size_t max_ops) : LimitedSqlite(max_ops) {
    inventory = std::make_unique<Inventory>(*store, clock, liveness);
    vms = std::make_unique<VmService>(*inventory, *store);
    common::Node n;
    n.id = "n1";
    n.machine_id = "m-n1";
    n.state = common::NodeState::kActive;
    n.facts.memory_bytes = int64_t{1} << 40;
    n.facts.cpu.virtualization = true;
    REQUIRE(sqlite->commit(Txn().put(keys::node("n1"), common::toJson(n).dump())));
  }

  static Json body() {
    return {{"memory_mib", 512},
            {"cpus", 2},
            {"node", "n1"},
            {"kernel", "/var/lib/photon/images/vmlinuz"},
            {"disks", {{{"id", "root"}, {"image", "root.qcow2"}, {"size_gib", 1}}}}};
  }

  std::vector<std::string> servedNames(int64_t* revision = nullptr) {
    auto served = inventory->servedDesired("n1");
    REQUIRE(served);
    if (revision) *revision = served->revision;
    std::vector<std::string> names;
    for (const auto& v : served->body.at("vms")) names.push_back(v.at("name"));
    return names;
  }
};

std::string vmName(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "vm-%03d", i);
  return buf;
}
}  // namespace

TEST_CASE("vm section: a VM request writes as much at 200 VMs on its node as at the first",
          "[scale][vms]") {
  World w(128);
  size_t first_bytes = 0, first_ops = 0, stored_size = 0;
  int64_t revision = 0;
  std::vector<std::string> expected;
  for (int i = 0; i < 200; ++i) {
    w.store->largest_bytes = 0;
    w.store->largest_ops = 0;
    REQUIRE(w.vms->put(vmName(i), World::body(), nullptr));
    if (i == 0) {
      first_bytes = w.store->largest_bytes;
      first_ops = w.store->largest_ops;
      stored_size = (*w.store->get(keys::desired("n1")))->value.size();
    }
    expected.push_back(vmName(i));
    if (i % 50 == 49) {
      int64_t now = 0;
      CHECK(w.servedNames(&now) == expected);
      CHECK(now > revision);
      revision = now;
    }
  }
  // The request's record, entry, held totals and node document: only the totals' digits grow.
  CHECK(w.store->largest_ops == first_ops);
  CHECK(w.store->largest_bytes <= first_bytes + 8);
  CHECK(w.store->largest_bytes >= first_bytes);
  CHECK((*w.store->get(keys::desired("n1")))->value.size() == stored_size);
  auto held = w.store->get(keys::vmHeld("n1"));
  REQUIRE(held);
  REQUIRE(*held);
  auto totals = vmTotalsFromStore(**held);
  REQUIRE(totals);
  CHECK(totals->vms == 200);
  CHECK(totals->memory_mib == 200 * 512);
  CHECK(totals->cpus == 400);

  // Every removal moves the revision, the last one included: the agent then stops its VMs.
  for (int i = 0; i < 200; ++i) REQUIRE(w.vms->remove(vmName(i)));
  int64_t emptied = 0;
  CHECK(w.servedNames(&emptied).empty());
  CHECK(emptied > revision);
  CHECK_FALSE(*w.store->get(keys::vmHeld("n1")));
  auto left = w.store->range(keys::desiredVmsPrefix("n1"));
  REQUIRE(left);
  CHECK(left->kvs.empty());
}

TEST_CASE(
    "vm section: a section written whole is served as it is and converted by the next "
    "VM request on its node",
    "[scale][vms]") {
  World w(16);  // 40 entries do not fit one transaction: the conversion writes them in chunks
  Json section = Json::array();
  Txn legacy;
  for (int i = 0; i < 40; ++i) {
    Json spec = World::body();
    spec.erase("node");
    spec["name"] = vmName(i);
    section.push_back(spec);
    legacy.put(keys::vm(vmName(i)),
               Json{{"name", vmName(i)}, {"node", "n1"}, {"pinned", "n1"}, {"spec", spec}}.dump());
  }
  // An entry an older coordinator left behind when it rewrote the section whole.
  legacy.put(keys::desiredVm("n1", "gone"), Json{{"name", "gone"}, {"memory_mib", 1}}.dump());
  legacy.put(keys::desired("n1"),
             Json{{"system", {{"toplevel", "/nix/store/x"}}}, {"vms", section}}.dump());
  REQUIRE(w.sqlite->commit(legacy));
  std::vector<std::string> expected;
  for (int i = 0; i < 40; ++i) expected.push_back(vmName(i));
  CHECK(w.servedNames() == expected);

  REQUIRE(w.vms->put("zz", World::body(), nullptr));
  expected.push_back("zz");
  CHECK(w.servedNames() == expected);
  CHECK(w.store->largest_ops <= 16);
  auto stored = w.inventory->desired("n1");
  REQUIRE(stored);
  CHECK(stored->body.at("vms") == vmEntriesMarker("n1"));
  CHECK(stored->body.at("system").at("toplevel") == "/nix/store/x");
  auto entries = w.store->range(keys::desiredVmsPrefix("n1"));
  REQUIRE(entries);
  CHECK(entries->kvs.size() == 41);
  auto held = w.store->get(keys::vmHeld("n1"));
  REQUIRE(held);
  REQUIRE(*held);
  CHECK(vmTotalsFromStore(**held)->vms == 41);

  // From now on a request writes its own entry only.
  w.store->largest_ops = 0;
  REQUIRE(w.vms->remove(vmName(3)));
  CHECK(w.store->largest_ops <= 4);
  expected.erase(expected.begin() + 3);
  CHECK(w.servedNames() == expected);
}

TEST_CASE(
    "vm section: an empty list an older coordinator wrote is served as it is and its leftover "
    "entries are erased by the next request",
    "[scale][vms]") {
  World w(128);
  REQUIRE(w.vms->put("a", World::body(), nullptr));
  CHECK(w.servedNames() == std::vector<std::string>{"a"});
  // An older coordinator removes the node's last VM: the record goes and the section is written
  // whole, empty; it knows nothing of entries or held totals.
  Txn older;
  older.erase(keys::vm("a"));
  older.put(keys::desired("n1"), Json{{"vms", Json::array()}}.dump());
  REQUIRE(w.sqlite->commit(older));
  CHECK(w.servedNames().empty());  // never the entry it left behind
  REQUIRE(w.vms->put("zz", World::body(), nullptr));
  CHECK(w.servedNames() == std::vector<std::string>{"zz"});
  auto entries = w.store->range(keys::desiredVmsPrefix("n1"));
  REQUIRE(entries);
  REQUIRE(entries->kvs.size() == 1);
  CHECK(entries->kvs[0].key == keys::desiredVm("n1", "zz"));
}
