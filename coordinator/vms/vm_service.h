// VMs as the operator manages them: a record per VM under vms/<name> naming the node it is
// placed on, and each node's desired "vms" section rebuilt from the records placed there, both
// written in one transaction. The agent's vms domain (agent/vms/) runs what the section says.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "coordinator/inventory/inventory.h"

namespace photon::coordinator {

struct VmRecord {
  std::string name;
  std::string node;    // where it is placed
  std::string pinned;  // the request's "node"; empty when the coordinator chose
  Json spec;           // the VM as its node's agent gets it (the request without "node")
  int64_t mod_revision = 0;

  // What it holds on its node, read from the spec (validated when the record was made or read)
  // rather than kept beside it, so the two cannot differ.
  int64_t memoryMib() const;
};

enum class VmAction { kStart, kStop, kReset };
std::optional<VmAction> parseVmAction(std::string_view text);

class VmService {
 public:
  explicit VmService(Inventory& inventory) : inventory_(inventory) {}

  // Creates or replaces the VM: validated as the agent validates (paths apart, which only the
  // node can judge), placed, written. `created` says which.
  [[nodiscard]] Result<VmRecord> put(const std::string& name, const Json& body, bool* created);
  [[nodiscard]] Result<VmRecord> get(const std::string& name);
  [[nodiscard]] Result<std::vector<VmRecord>> list();
  [[nodiscard]] Status remove(const std::string& name);
  // start/stop set the spec's state; reset raises reset_generation (the agent resets once).
  [[nodiscard]] Result<VmRecord> act(const std::string& name, VmAction action);

  // The record and what its node's agent reports of the VM ("observed": null until it does).
  Json view(const VmRecord& record);

 private:
  using RecordPtr = std::shared_ptr<const VmRecord>;
  struct Loaded {
    std::vector<RecordPtr> records;  // in name order
    int64_t revision = 0;            // the store revision they were read at
  };
  Result<Loaded> load();
  // One transaction: the VM's record goes from `before` to `after` (either may be absent) and
  // the desired "vms" section of every node either names is rebuilt.
  Result<int64_t> write(const Loaded& loaded, const std::string& name,
                        const std::optional<VmRecord>& before,
                        const std::optional<VmRecord>& after);

  Inventory& inventory_;
  // VM writes are serialised within this coordinator: concurrent placements all choose the
  // node with the most free memory and would only collide there and retry (across
  // coordinators the store's compares still decide).
  std::mutex write_mutex_;
  // Records as parsed from the store, reused while their mod_revision stays: every VM request
  // reads every record (placement needs each node's share), and parsing them was most of its
  // cost.
  std::mutex parsed_mutex_;
  std::map<std::string, RecordPtr> parsed_;
};

}  // namespace photon::coordinator
