#include "coordinator/vms/vm_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/api/vm_spec.h"
#include "common/validate.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/vms/vm_placement.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;
using common::invalid;

// Every field of the agent's VM spec, and "node" (the pin, kept out of the spec).
const std::set<std::string> kFields = {"name",   "cpus",  "memory_mib", "machine", "disks",
                                       "nics",   "kernel", "initrd",    "cmdline", "state",
                                       "restart", "reset_generation", "node"};

std::unexpected<common::Error> changedConcurrently(const std::string& key) {
  return fail(ErrorCode::kConflict, "changed concurrently", key);
}

Json toJson(const VmRecord& r) {
  return {{"name", r.name}, {"node", r.node}, {"pinned", r.pinned}, {"spec", r.spec}};
}

Result<VmRecord> recordFromStore(const KeyValue& kv) {
  Json j = Json::parse(kv.value, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("spec") || !j["spec"].is_object()) {
    return fail(ErrorCode::kInternal, "stored " + kv.key + " is corrupt");
  }
  VmRecord r;
  PHOTON_TRY(r.name, common::readString(j, "name", kv.key));
  PHOTON_TRY(r.node, common::readString(j, "node", kv.key));
  PHOTON_TRY(r.pinned, common::readString(j, "pinned", kv.key, ""));
  r.spec = j["spec"];
  // Checked here, so that memoryMib() reads a valid number.
  PHOTON_CHECK(common::readInt(r.spec, "memory_mib", kv.key, 0, INT64_MAX));
  r.mod_revision = kv.mod_revision;
  return r;
}

// The request as the agent will get it, validated as the agent validates it (paths only
// lexically: the image directories are the node's), and the pin.
struct ParsedRequest {
  Json spec;
  int64_t memory_mib = 0;
  std::string pinned;
};

Result<ParsedRequest> parseRequest(const std::string& name, const Json& body) {
  PHOTON_CHECK(common::requireObject(body, ""));
  for (const auto& [key, value] : body.items()) {
    if (!kFields.contains(key)) return invalid(key, "unknown field");
  }
  ParsedRequest out;
  out.spec = body;
  if (body.contains("node")) {
    PHOTON_TRY(out.pinned, common::readString(body, "node", ""));
    PHOTON_CHECK(common::checkName("node", out.pinned));
    out.spec.erase("node");
  }
  if (body.contains("name")) {
    PHOTON_TRY(std::string given, common::readString(body, "name", ""));
    if (given != name) return invalid("name", "must be the name in the URL (\"" + name + "\")");
  }
  out.spec["name"] = name;
  common::VmLimits limits;
  limits.check_paths = false;
  PHOTON_TRY(common::VmSpec spec, common::parseVmSpec(out.spec, "", limits));
  out.memory_mib = spec.memory_mib;
  return out;
}

std::vector<VmHost> hostsOf(const std::vector<Node>& nodes,
                            const std::vector<std::shared_ptr<const VmRecord>>& records,
                            const std::string& except) {
  std::map<std::string, VmHost> hosts;
  for (const auto& n : nodes) {
    VmHost h;
    h.id = n.id;
    h.state = std::string(common::toString(n.state));
    h.virtualization = n.facts.cpu.virtualization;
    h.memory_mib = n.facts.memory_bytes >> 20;
    hosts.emplace(n.id, std::move(h));
  }
  for (const auto& record : records) {
    const VmRecord& r = *record;
    auto it = hosts.find(r.node);
    if (r.name == except || it == hosts.end()) continue;
    it->second.placed_mib += r.memoryMib();
    ++it->second.placed_vms;
  }
  std::vector<VmHost> out;
  for (auto& [id, h] : hosts) out.push_back(std::move(h));
  return out;
}

const VmRecord* find(const std::vector<std::shared_ptr<const VmRecord>>& records,
                     const std::string& name) {
  for (const auto& r : records) {
    if (r->name == name) return r.get();
  }
  return nullptr;
}
}  // namespace

int64_t VmRecord::memoryMib() const {
  auto it = spec.find("memory_mib");
  return it != spec.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

std::optional<VmAction> parseVmAction(std::string_view text) {
  if (text == "start") return VmAction::kStart;
  if (text == "stop") return VmAction::kStop;
  if (text == "reset") return VmAction::kReset;
  return std::nullopt;
}

Result<VmService::Loaded> VmService::load() {
  PHOTON_TRY(auto range, inventory_.store().range(keys::kVmsPrefix));
  Loaded loaded;
  loaded.revision = range.revision;
  loaded.records.reserve(range.kvs.size());
  std::lock_guard lock(parsed_mutex_);
  std::map<std::string, RecordPtr> parsed;
  for (const auto& kv : range.kvs) {
    auto known = parsed_.find(kv.key);
    RecordPtr r;
    if (known != parsed_.end() && known->second->mod_revision == kv.mod_revision) {
      r = known->second;
    } else {
      PHOTON_TRY(VmRecord fresh, recordFromStore(kv));
      r = std::make_shared<const VmRecord>(std::move(fresh));
    }
    loaded.records.push_back(r);
    parsed.emplace_hint(parsed.end(), kv.key, std::move(r));
  }
  parsed_ = std::move(parsed);  // records gone from the store go from here too
  return loaded;
}

Result<int64_t> VmService::write(const Loaded& loaded, const std::string& name,
                                 const std::optional<VmRecord>& before,
                                 const std::optional<VmRecord>& after) {
  Txn txn;
  const std::string key = keys::vm(name);
  if (before) {
    txn.expect(key, before->mod_revision);
  } else {
    txn.expectAbsent(key);
  }
  if (after) {
    txn.put(key, toJson(*after).dump());
  } else {
    txn.erase(key);
  }
  std::set<std::string> nodes;
  if (before) nodes.insert(before->node);
  if (after) nodes.insert(after->node);
  for (const auto& node : nodes) {
    std::map<std::string, Json> specs;  // by name: the section's order
    for (const auto& r : loaded.records) {
      if (r->node == node && r->name != name) specs.emplace(r->name, r->spec);
    }
    if (after && after->node == node) specs.emplace(after->name, after->spec);
    Json section = Json::array();
    for (auto& [vm, spec] : specs) section.push_back(std::move(spec));
    PHOTON_TRY(int64_t compared, inventory_.stageDesiredSection(txn, node, "vms", section));
    // A desired document newer than the records read means a VM may have come or gone there
    // since: the section built from them would be stale.
    if (compared > loaded.revision) return changedConcurrently(keys::desired(node));
  }
  return inventory_.store().commit(txn);
}

Result<VmRecord> VmService::put(const std::string& name, const Json& body, bool* created) {
  PHOTON_TRY(ParsedRequest request, parseRequest(name, body));
  std::lock_guard lock(write_mutex_);
  return withRetries<VmRecord>([&]() -> Result<VmRecord> {
    PHOTON_TRY(Loaded loaded, load());
    PHOTON_TRY(NodeList nodes, inventory_.listNodes({}));
    std::optional<VmRecord> before;
    if (const VmRecord* r = find(loaded.records, name)) before = *r;

    int64_t largest = 0;
    for (const auto& n : nodes.nodes) largest = std::max(largest, n.facts.memory_bytes >> 20);
    if (!nodes.nodes.empty() && request.memory_mib > largest) {
      return invalid("memory_mib", "exceeds the memory of every node (the largest has " +
                                       std::to_string(largest) + " MiB)");
    }
    VmPlacementRequest want{name, request.memory_mib, request.pinned,
                            before ? before->node : std::string()};
    PHOTON_TRY(std::string node, placeVm(hostsOf(nodes.nodes, loaded.records, name), want));

    VmRecord after{name, node, request.pinned, request.spec, 0};
    // A replaced spec never lowers reset_generation: the agent resets only when it rises.
    if (before) {
      int64_t kept = before->spec.value("reset_generation", int64_t{0});
      if (after.spec.value("reset_generation", int64_t{0}) < kept) {
        after.spec["reset_generation"] = kept;
      }
    }
    PHOTON_TRY(after.mod_revision, write(loaded, name, before, after));
    if (created) *created = !before;
    return after;
  });
}

Result<VmRecord> VmService::get(const std::string& name) {
  PHOTON_TRY(auto kv, inventory_.store().get(keys::vm(name)));
  if (!kv) return fail(ErrorCode::kNotFound, "no VM " + name, "name");
  return recordFromStore(*kv);
}

Result<std::vector<VmRecord>> VmService::list() {
  PHOTON_TRY(Loaded loaded, load());
  std::vector<VmRecord> out;
  out.reserve(loaded.records.size());
  for (const auto& r : loaded.records) out.push_back(*r);
  return out;
}

Status VmService::remove(const std::string& name) {
  std::lock_guard lock(write_mutex_);
  auto removed = withRetries<int64_t>([&]() -> Result<int64_t> {
    PHOTON_TRY(Loaded loaded, load());
    const VmRecord* r = find(loaded.records, name);
    if (!r) return fail(ErrorCode::kNotFound, "no VM " + name, "name");
    return write(loaded, name, *r, std::nullopt);
  });
  if (!removed) return std::unexpected(removed.error());
  return {};
}

Result<VmRecord> VmService::act(const std::string& name, VmAction action) {
  std::lock_guard lock(write_mutex_);
  return withRetries<VmRecord>([&]() -> Result<VmRecord> {
    PHOTON_TRY(Loaded loaded, load());
    const VmRecord* r = find(loaded.records, name);
    if (!r) return fail(ErrorCode::kNotFound, "no VM " + name, "name");
    VmRecord after = *r;
    switch (action) {
      case VmAction::kStart: after.spec["state"] = "running"; break;
      case VmAction::kStop: after.spec["state"] = "stopped"; break;
      case VmAction::kReset:
        after.spec["reset_generation"] = r->spec.value("reset_generation", int64_t{0}) + 1;
        break;
    }
    PHOTON_TRY(after.mod_revision, write(loaded, name, *r, after));
    return after;
  });
}

Json VmService::view(const VmRecord& record) {
  Json observed = nullptr;
  std::string accel;
  auto doc = inventory_.observed(record.node);
  // The agent's run loop reports each domain under "domains" (agent/run/run_loop.cpp).
  const Json* domains = doc && doc->body.contains("domains") ? &doc->body["domains"] : nullptr;
  if (domains && domains->is_object() && domains->contains("vms") &&
      (*domains)["vms"].is_object()) {
    const Json& vms = (*domains)["vms"];
    accel = vms.value("accel", "");
    if (vms.contains("vms") && vms["vms"].is_array()) {
      for (const auto& v : vms["vms"]) {
        if (v.is_object() && v.value("name", "") == record.name) observed = v;
      }
    }
  }
  Json j = {{"name", record.name},
            {"node", record.node},
            {"pinned", !record.pinned.empty()},
            {"spec", record.spec},
            {"status", observed.is_object() ? observed.value("status", "unknown") : "pending"},
            {"observed", observed}};
  if (!accel.empty()) j["accel"] = accel;
  return j;
}

}  // namespace photon::coordinator
