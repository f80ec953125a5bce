// A node's desired "vms" section as the VM service writes it: one key per VM (keys::desiredVm),
// so that a VM request writes its own entry and not the whole section, and costs the same at
// 100 VMs on the node and at 1,000. Beside the entries, per node, what its VMs hold
// (keys::vmHeld), which the request checks its in-memory ledger against, and the node's desired
// document, whose "vms" holds a marker (vmEntriesMarker: the sign that the section is assembled,
// see Inventory::servedDesired) and whose revision moves with every VM change, so that the
// agent's ETag and long-poll see it. The marker is an object, not a list: an older coordinator
// that serves it as it is sends the agent a document it refuses (it keeps running the last one),
// where an empty list would stop every VM; and a list an older coordinator writes, even an
// empty one, is a whole section, converted by the next request.
#pragma once

#include <string>

#include "coordinator/inventory/inventory.h"
#include "coordinator/vms/vm_ledger.h"

namespace photon::coordinator {

// {"entries_under": "desired-vms/<node>/"}
Json vmEntriesMarker(const std::string& node);
Json toJson(const VmTotals& totals);
// A stored vm-held/<node> value; a kInternal error naming the key when corrupt.
Result<VmTotals> vmTotalsFromStore(const KeyValue& kv);

struct VmNodeChange {
  std::string node;
  VmTotals held;      // what the ledger says the node's VMs hold before the request
  VmTotals after;     // ... and after it
  std::string vm;     // the VM the request writes (its entry is staged by the caller)
  bool full = false;  // the ledger was just read whole: its records are the truth
};

// Stages in `txn` what `change` does to its node: the held totals (compared with the stored
// ones, which must equal the ledger's unless `full`: a kConflict when the ledger lags a change
// its feed has not named yet) and the desired document's "vms" marker, guarded by its revision.
// A section written whole by an older coordinator is converted: its VMs' entries are written
// from the ledger (once, checked against the stored section), in chunks before `txn` when the
// store limits a transaction.
[[nodiscard]] Status stageVmNode(Txn& txn, Inventory& inventory, Store& store,
                                 const VmLedger& ledger, const VmNodeChange& change);

}  // namespace photon::coordinator
