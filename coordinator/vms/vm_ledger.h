// What the VMs hold, kept in memory: every VM record as parsed, the hosts (nodes' state, memory,
// virtualization) and per node the memory, vCPUs and count of the VMs placed there. Fed by the
// store's change feed (the keys that changed), it re-reads only those keys, so a VM request or
// a placement round costs the same at 100 VMs and at 20,000. Without a feed (a VmService made
// alone, as tests and benches do) it re-reads everything whenever the store's revision moved,
// reusing the records it parsed while their mod_revision stays.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "coordinator/store/changed_keys.h"
#include "coordinator/store/store.h"
#include "coordinator/vms/vm_placement.h"

namespace photon::coordinator {

using common::Status;

struct VmRecord {
  std::string name;
  std::string node;    // where it is placed
  std::string pinned;  // the request's "node"; empty when the coordinator chose
  common::Json spec;   // the VM as its node's agent gets it (the request without "node")
  int64_t mod_revision = 0;

  // What it holds on its node, read from the spec (validated when the record was made or read)
  // rather than kept beside it, so the two cannot differ.
  int64_t memoryMib() const;
  int64_t cpus() const;
};

// A stored vms/<name> value as a record; a kInternal error naming the key when corrupt.
Result<VmRecord> vmRecordFromStore(const KeyValue& kv);

// What the VMs placed on one node hold.
struct VmTotals {
  int64_t memory_mib = 0;
  int64_t cpus = 0;
  int64_t vms = 0;
};

class VmLedger {
 public:
  using RecordPtr = std::shared_ptr<const VmRecord>;

  explicit VmLedger(Store& store) : store_(store) {}

  // From now on the ledger trusts noteChanges() to name every key that changes.
  void attachFeed();
  // The change listener's part (Store::ChangeListener): cheap, it only remembers the keys.
  void noteChanges(const std::vector<std::string>& keys, bool everything);
  // The next sync() re-reads everything.
  void invalidate();

  // Brings the ledger up to the store. Returns whether it re-read everything (a full read is
  // what a check of the ledger against the store falls back to).
  [[nodiscard]] Result<bool> sync();

  // Reads of the state as of the last sync().
  RecordPtr record(const std::string& name) const;
  std::vector<RecordPtr> records() const;  // in name order
  // The records placed on `node`, in name order.
  std::vector<RecordPtr> recordsOn(const std::string& node) const;
  // Every host with what is placed on it, the VM `except` left out (its own share while it is
  // being re-placed); and the largest host memory.
  std::vector<VmHost> hosts(const std::string& except, int64_t* largest_mib) const;
  std::map<std::string, VmTotals> totals() const;
  VmTotals totalsOn(const std::string& node) const;
  int64_t revision() const;

 private:
  struct Host {
    VmHost host;  // placed_* unused here: totals_ holds them
    int64_t mod_revision = 0;
  };
  Status fullRead();
  Status readVm(const std::string& key);
  Status readNode(const std::string& key);
  void add(const RecordPtr& r, int sign);

  Store& store_;
  static bool wanted(std::string_view key);  // a VM record or a node
  ChangedKeys changed_{&VmLedger::wanted};

  mutable std::mutex mutex_;  // the state below; held through a sync
  int64_t revision_ = -1;
  std::map<std::string, RecordPtr> records_;                    // by name
  std::map<std::string, std::set<std::string>> names_by_node_;  // node -> VM names
  std::map<std::string, VmTotals> totals_;                      // node -> what its VMs hold
  std::map<std::string, Host> hosts_;                           // node id -> host facts
};

}  // namespace photon::coordinator
