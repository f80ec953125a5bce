#include "coordinator/vms/vm_ledger.h"

#include <algorithm>

#include "common/api/node.h"
#include "common/validate.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;
using common::Json;

Result<VmHost> hostFromStore(const KeyValue& kv) {
  Json j = Json::parse(kv.value, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInternal, "stored " + kv.key + " is corrupt");
  PHOTON_TRY(common::Node n, common::nodeFromJson(j));
  VmHost h;
  h.id = n.id;
  h.state = n.state;
  h.virtualization = n.facts.cpu.virtualization;
  h.memory_mib = n.facts.memory_bytes >> 20;
  return h;
}
}  // namespace

int64_t VmRecord::memoryMib() const {
  auto it = spec.find("memory_mib");
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

int64_t VmRecord::cpus() const {
  auto it = spec.find("cpus");
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 1;
}

Result<VmRecord> vmRecordFromStore(const KeyValue& kv) {
  Json j = Json::parse(kv.value, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("spec") || !j["spec"].is_object()) {
    return fail(ErrorCode::kInternal, "stored " + kv.key + " is corrupt");
  }
  VmRecord r;
  PHOTON_TRY(r.name, common::readString(j, "name", kv.key));
  PHOTON_TRY(r.node, common::readString(j, "node", kv.key));
  PHOTON_TRY(r.pinned, common::readString(j, "pinned", kv.key, ""));
  r.spec = j["spec"];
  // Checked here, so that memoryMib() and cpus() read valid numbers.
  PHOTON_CHECK(common::readInt(r.spec, "memory_mib", kv.key, 0, INT64_MAX));
  PHOTON_CHECK(common::readInt(r.spec, "cpus", kv.key, 1, INT32_MAX, 1));
  r.mod_revision = kv.mod_revision;
  return r;
}

bool VmLedger::wanted(std::string_view key) {
  return key.starts_with(keys::kVmsPrefix) || key.starts_with(keys::kNodesPrefix);
}

void VmLedger::attachFeed() {
  changed_.attach();
}

void VmLedger::noteChanges(const std::vector<std::string>& keys, bool everything) {
  changed_.note(keys, everything);
}

void VmLedger::invalidate() {
  changed_.invalidate();
}

Result<bool> VmLedger::sync() {
  std::lock_guard state_lock(mutex_);
  // The store's revision moves before its listener names the changed keys (KeyMirror::apply):
  // revision_ may count a change the feed names only after this take, whose keys the next sync
  // reads. So revision_ says only "the store was here"; without a feed, a move of it is what
  // sends a full read. With a feed nothing relies on it: the ledger may lag by a change the feed
  // has not named yet, and writers check what they rely on against the store (vm_section.h).
  const int64_t revision = store_.revision();
  auto [fed, everything, dirty] = changed_.take();
  everything = everything || (!fed && revision != revision_);
  if (everything) {
    auto read = fullRead();
    if (!read) {
      invalidate();
      return std::unexpected(read.error());
    }
    revision_ = revision;
    return true;
  }
  for (const auto& key : dirty) {
    auto read = key.starts_with(keys::kVmsPrefix) ? readVm(key) : readNode(key);
    if (!read) {
      invalidate();
      return std::unexpected(read.error());
    }
  }
  revision_ = std::max(revision_, revision);
  return false;
}

Status VmLedger::fullRead() {
  PHOTON_TRY(auto vms, store_.range(keys::kVmsPrefix));
  PHOTON_TRY(auto nodes, store_.range(keys::kNodesPrefix));
  std::map<std::string, RecordPtr> records;
  for (const auto& kv : vms.kvs) {
    std::string name = kv.key.substr(std::string_view(keys::kVmsPrefix).size());
    auto known = records_.find(name);
    if (known != records_.end() && known->second->mod_revision == kv.mod_revision) {
      records.emplace_hint(records.end(), name, known->second);
      continue;
    }
    PHOTON_TRY(VmRecord fresh, vmRecordFromStore(kv));
    records.emplace_hint(records.end(), name, std::make_shared<const VmRecord>(std::move(fresh)));
  }
  std::map<std::string, Host> hosts;
  for (const auto& kv : nodes.kvs) {
    std::string id = kv.key.substr(std::string_view(keys::kNodesPrefix).size());
    auto known = hosts_.find(id);
    if (known != hosts_.end() && known->second.mod_revision == kv.mod_revision) {
      hosts.emplace_hint(hosts.end(), id, known->second);
      continue;
    }
    PHOTON_TRY(VmHost h, hostFromStore(kv));
    hosts.emplace_hint(hosts.end(), id, Host{std::move(h), kv.mod_revision});
  }
  records_ = std::move(records);
  hosts_ = std::move(hosts);
  names_by_node_.clear();
  totals_.clear();
  for (const auto& [name, r] : records_) add(r, +1);
  return {};
}

void VmLedger::add(const RecordPtr& r, int sign) {
  VmTotals& t = totals_[r->node];
  t.memory_mib += sign * r->memoryMib();
  t.cpus += sign * r->cpus();
  t.vms += sign;
  if (sign > 0) {
    names_by_node_[r->node].insert(r->name);
    return;
  }
  auto names = names_by_node_.find(r->node);
  if (names != names_by_node_.end()) {
    names->second.erase(r->name);
    if (names->second.empty()) names_by_node_.erase(names);
  }
  if (t.vms == 0) totals_.erase(r->node);
}

Status VmLedger::readVm(const std::string& key) {
  std::string name = key.substr(std::string_view(keys::kVmsPrefix).size());
  PHOTON_TRY(auto kv, store_.get(key));
  auto known = records_.find(name);
  if (known != records_.end()) {
    if (kv && known->second->mod_revision == kv->mod_revision) return {};
    add(known->second, -1);
    records_.erase(known);
  }
  if (!kv) return {};
  PHOTON_TRY(VmRecord fresh, vmRecordFromStore(*kv));
  auto r = std::make_shared<const VmRecord>(std::move(fresh));
  records_.emplace(name, r);
  add(r, +1);
  return {};
}

Status VmLedger::readNode(const std::string& key) {
  std::string id = key.substr(std::string_view(keys::kNodesPrefix).size());
  PHOTON_TRY(auto kv, store_.get(key));
  if (!kv) {
    hosts_.erase(id);
    return {};
  }
  auto known = hosts_.find(id);
  if (known != hosts_.end() && known->second.mod_revision == kv->mod_revision) return {};
  PHOTON_TRY(VmHost h, hostFromStore(*kv));
  hosts_[id] = Host{std::move(h), kv->mod_revision};
  return {};
}

VmLedger::RecordPtr VmLedger::record(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = records_.find(name);
  return it == records_.end() ? nullptr : it->second;
}

std::vector<VmLedger::RecordPtr> VmLedger::records() const {
  std::lock_guard lock(mutex_);
  std::vector<RecordPtr> out;
  out.reserve(records_.size());
  for (const auto& [name, r] : records_) out.push_back(r);
  return out;
}

std::vector<VmLedger::RecordPtr> VmLedger::recordsOn(const std::string& node) const {
  std::lock_guard lock(mutex_);
  std::vector<RecordPtr> out;
  auto names = names_by_node_.find(node);
  if (names == names_by_node_.end()) return out;
  for (const auto& name : names->second) out.push_back(records_.at(name));
  return out;
}

std::vector<VmHost> VmLedger::hosts(const std::string& except, int64_t* largest_mib) const {
  std::lock_guard lock(mutex_);
  auto left_out = records_.find(except);
  std::vector<VmHost> out;
  out.reserve(hosts_.size());
  int64_t largest = 0;
  for (const auto& [id, h] : hosts_) {
    VmHost host = h.host;
    largest = std::max(largest, host.memory_mib);
    if (auto t = totals_.find(id); t != totals_.end()) {
      host.placed_mib = t->second.memory_mib;
      host.placed_vms = t->second.vms;
    }
    if (left_out != records_.end() && left_out->second->node == id) {
      host.placed_mib -= left_out->second->memoryMib();
      --host.placed_vms;
    }
    out.push_back(std::move(host));
  }
  if (largest_mib) *largest_mib = largest;
  return out;
}

std::map<std::string, VmTotals> VmLedger::totals() const {
  std::lock_guard lock(mutex_);
  return totals_;
}

VmTotals VmLedger::totalsOn(const std::string& node) const {
  std::lock_guard lock(mutex_);
  auto it = totals_.find(node);
  return it == totals_.end() ? VmTotals{} : it->second;
}

int64_t VmLedger::revision() const {
  std::lock_guard lock(mutex_);
  return revision_;
}

}  // namespace photon::coordinator
