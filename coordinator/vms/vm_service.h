// VMs as the operator manages them: a record per VM under vms/<name> naming the node it is
// placed on and, in the same transaction, the VM's entry of its node's desired "vms" section
// (vm_section.h: one key per VM, so that a request writes only its own). The agent's vms domain
// (agent/vms/) runs what the section says.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/placement/reserved_capacity.h"
#include "coordinator/vms/vm_ledger.h"

namespace photon::coordinator {

enum class VmAction { kStart, kStop, kReset };
std::optional<VmAction> parseVmAction(std::string_view text);

class VmService final : public placement::ReservedCapacity {
 public:
  // `store`: the store the inventory keeps its nodes in, from the coordinator's wiring (the VM
  // records and the ledger's feed live there).
  VmService(Inventory& inventory, Store& store)
      : inventory_(inventory), store_(store), ledger_(store) {}

  // The store's change listener feeds it from now on (see VmLedger): the coordinator wires one
  // VmService, shared by the API and placement, to its store's change feed.
  void attachFeed() { ledger_.attachFeed(); }
  void noteChanges(const std::vector<std::string>& keys, bool everything) {
    ledger_.noteChanges(keys, everything);
  }

  // Creates or replaces the VM: validated as the agent validates (paths apart, which only the
  // node can judge), placed, written. `created` says which.
  [[nodiscard]] Result<VmRecord> put(const std::string& name, const Json& body, bool* created);
  [[nodiscard]] Result<VmRecord> get(const std::string& name);
  [[nodiscard]] Result<std::vector<VmRecord>> list();
  [[nodiscard]] Status remove(const std::string& name);
  // start/stop set the spec's state; reset raises reset_generation (the agent resets once).
  [[nodiscard]] Result<VmRecord> act(const std::string& name, VmAction action);
  // Per node, what the VMs placed there hold (placement reserves it).
  [[nodiscard]] Result<std::map<std::string, VmTotals>> totals();
  // The same for placement: a VM holds its memory and a core per vCPU on its node.
  [[nodiscard]] Result<std::vector<placement::NodeReservation>> reservations() override;

  // The record and what its node's agent reports of the VM ("observed": null until it does).
  Json view(const VmRecord& record);

 private:
  // One transaction: the VM's record and its entry go from `before` to `after` (either may be
  // absent), with what the VMs of every node either names hold and that node's desired
  // document's revision. `full`: the ledger was just re-read whole (see stageVmNode()).
  Result<int64_t> write(const std::string& name, const std::optional<VmRecord>& before,
                        const std::optional<VmRecord>& after, bool full);

  Inventory& inventory_;
  Store& store_;
  // VM writes are serialised within this coordinator: concurrent placements all choose the
  // node with the most free memory and would only collide there and retry (across
  // coordinators the store's compares still decide).
  std::mutex write_mutex_;
  VmLedger ledger_;
};

}  // namespace photon::coordinator
