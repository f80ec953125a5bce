#include "coordinator/vms/vm_section.h"

#include <algorithm>
#include <set>

#include "common/error_context.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/store/chunked_commit.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;

std::unexpected<common::Error> lagging(const std::string& key) {
  return fail(ErrorCode::kConflict, "changed concurrently", key);
}

// Writes the entries of a node whose section an older coordinator wrote whole, from the ledger's
// records (the caller checked them against that section), and erases entries left from before
// that (an older coordinator that rewrote the section whole left them). Into `txn` when it fits,
// else ahead of it in chunks guarded by the desired document: the entries are served only once
// `txn` marks the section, so a crash in between leaves the node as it was.
Status convertWholeSection(Txn& txn, Store& store, const VmLedger& ledger,
                           const VmNodeChange& change, const Document& current) {
  const std::string own = keys::desiredVm(change.node, change.vm);  // the caller stages it
  std::set<std::string> kept;
  std::vector<Txn> units;
  for (const auto& r : ledger.recordsOn(change.node)) {
    std::string key = keys::desiredVm(change.node, r->name);
    if (key == own) continue;
    Txn unit;
    unit.put(key, r->spec.dump());
    units.push_back(std::move(unit));
    kept.insert(std::move(key));
  }
  PHOTON_TRY_CTX(auto existing, store.revisions(keys::desiredVmsPrefix(change.node)),
                 "read node " + change.node + "'s VM entries");
  for (auto& entry : existing) {
    if (entry.key == own || kept.contains(entry.key)) continue;
    Txn unit;
    unit.erase(std::move(entry.key));
    units.push_back(std::move(unit));
  }
  // Room for the request's own keys (record, entries, held totals, document: two nodes).
  constexpr size_t kRequestOps = 8;
  const size_t limit = store.maxTxnOps();
  // What `txn` already holds counts too (a move converts both of its nodes).
  const size_t staged = std::max(txn.ops.size(), txn.compares.size());
  if (limit == 0 || staged + units.size() + kRequestOps <= limit) {
    for (auto& unit : units) txn.ops.push_back(std::move(unit.ops.front()));
    return {};
  }
  PHOTON_CHECK_CTX(
      commitInChunks(store, units, {keys::desired(change.node), current.revision}, limit),
      "write node " + change.node + "'s VM entries");
  return {};
}
}  // namespace

Json vmEntriesMarker(const std::string& node) {
  return Json{{"entries_under", keys::desiredVmsPrefix(node)}};
}

Json toJson(const VmTotals& totals) {
  return {{"vms", totals.vms}, {"memory_mib", totals.memory_mib}, {"cpus", totals.cpus}};
}

Result<VmTotals> vmTotalsFromStore(const KeyValue& kv) {
  PHOTON_TRY(Json j, parseStored(kv));
  VmTotals t;
  PHOTON_TRY(t.vms, common::readInt(j, "vms", kv.key, 0, INT64_MAX));
  PHOTON_TRY(t.memory_mib, common::readInt(j, "memory_mib", kv.key, 0, INT64_MAX));
  PHOTON_TRY(t.cpus, common::readInt(j, "cpus", kv.key, 0, INT64_MAX));
  return t;
}

Status stageVmNode(Txn& txn, Inventory& inventory, Store& store, const VmLedger& ledger,
                   const VmNodeChange& change) {
  const std::string held_key = keys::vmHeld(change.node);
  PHOTON_TRY_CTX(auto held_kv, store.get(held_key),
                 "read what node " + change.node + "'s VMs hold");
  PHOTON_TRY(Document current, inventory.desired(change.node));
  auto section = current.body.find("vms");
  // Any list, even an empty one, was written whole (by an older coordinator too): converted.
  const bool whole = section != current.body.end() && section->is_array();
  if (!change.full) {
    // The ledger may lag the store by a change its feed has not named yet: what it says the
    // node's VMs hold must be what the store says, else the placement it decided is stale.
    if (whole) {
      Json was = Json::array();
      for (const auto& r : ledger.recordsOn(change.node)) was.push_back(r->spec);
      if (*section != was) return lagging(keys::desired(change.node));
    } else {
      VmTotals stored;
      if (held_kv) {
        PHOTON_TRY(stored, vmTotalsFromStore(*held_kv));
      }
      if (stored.vms != change.held.vms || stored.memory_mib != change.held.memory_mib ||
          stored.cpus != change.held.cpus) {
        return lagging(held_key);
      }
    }
  }
  if (whole) PHOTON_CHECK(convertWholeSection(txn, store, ledger, change, current));

  if (held_kv) {
    txn.expect(held_key, held_kv->mod_revision);
  } else {
    txn.expectAbsent(held_key);
  }
  if (change.after.vms == 0) {
    txn.erase(held_key);
  } else {
    txn.put(held_key, toJson(change.after).dump());
  }
  // Rewritten even when it already holds the marker, so that its revision (the agent's ETag)
  // moves.
  // Over the document read above: the commit guards the revision the checks were made at.
  inventory.stageDesiredSection(txn, change.node, std::move(current), "vms",
                                vmEntriesMarker(change.node));
  return {};
}

}  // namespace photon::coordinator
