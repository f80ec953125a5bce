#include "coordinator/vms/vm_service.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/api/vm_report.h"
#include "common/api/vm_spec.h"
#include "common/error_context.h"
#include "common/validate.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/vms/vm_placement.h"
#include "coordinator/vms/vm_section.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;
using common::invalid;

// Every field of the agent's VM spec, and "node" (the pin, kept out of the spec).
const std::set<std::string> kFields = {
    "name",    "cpus",  "memory_mib", "machine",          "disks", "nics", "kernel", "initrd",
    "cmdline", "state", "restart",    "reset_generation", "node"};

Json toJson(const VmRecord& r) {
  return {{"name", r.name}, {"node", r.node}, {"pinned", r.pinned}, {"spec", r.spec}};
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

}  // namespace

std::optional<VmAction> parseVmAction(std::string_view text) {
  if (text == "start") return VmAction::kStart;
  if (text == "stop") return VmAction::kStop;
  if (text == "reset") return VmAction::kReset;
  return std::nullopt;
}

Result<int64_t> VmService::write(const std::string& name, const std::optional<VmRecord>& before,
                                 const std::optional<VmRecord>& after, bool full) {
  Txn txn;
  const std::string key = keys::vm(name);
  if (before) {
    txn.expect(key, before->mod_revision);
  } else {
    txn.expectAbsent(key);
  }
  if (after) {
    txn.put(key, toJson(*after).dump());
    txn.put(keys::desiredVm(after->node, name), after->spec.dump());
  } else {
    txn.erase(key);
  }
  // A key appears once in a transaction (etcd refuses more): the entry stays where it is put.
  if (before && (!after || after->node != before->node)) {
    txn.erase(keys::desiredVm(before->node, name));
  }
  std::set<std::string> nodes;
  if (before) nodes.insert(before->node);
  if (after) nodes.insert(after->node);
  for (const auto& node : nodes) {
    VmNodeChange change{node, ledger_.totalsOn(node), {}, name, full};
    change.after = change.held;
    if (before && before->node == node) {
      change.after.vms -= 1;
      change.after.memory_mib -= before->memoryMib();
      change.after.cpus -= before->cpus();
    }
    if (after && after->node == node) {
      change.after.vms += 1;
      change.after.memory_mib += after->memoryMib();
      change.after.cpus += after->cpus();
    }
    auto staged = stageVmNode(txn, inventory_, store_, ledger_, change);
    if (!staged) {
      // A lagging ledger is read whole on the next attempt.
      if (isStoreConflict(staged.error())) ledger_.invalidate();
      return std::unexpected(staged.error());
    }
  }
  auto committed = store_.commit(txn);
  // Someone else's write: read everything again rather than wait for the feed to name it.
  if (!committed && isStoreConflict(committed.error())) ledger_.invalidate();
  return committed;
}

Result<VmRecord> VmService::put(const std::string& name, const Json& body, bool* created) {
  PHOTON_TRY(ParsedRequest request, parseRequest(name, body));
  std::lock_guard lock(write_mutex_);
  return withRetries<VmRecord>([&]() -> Result<VmRecord> {
    PHOTON_TRY_CTX(bool full, ledger_.sync(), "read the VM records");
    std::optional<VmRecord> before;
    if (auto r = ledger_.record(name)) before = *r;

    int64_t largest = 0;
    std::vector<VmHost> hosts = ledger_.hosts(name, &largest);
    if (!hosts.empty() && request.memory_mib > largest) {
      return invalid("memory_mib", "exceeds the memory of every node (the largest has " +
                                       std::to_string(largest) + " MiB)");
    }
    VmPlacementRequest want{name, request.memory_mib, request.pinned,
                            before ? before->node : std::string()};
    PHOTON_TRY(std::string node, placeVm(hosts, want));

    VmRecord after{name, node, request.pinned, request.spec, 0};
    // A replaced spec never lowers reset_generation: the agent resets only when it rises.
    if (before) {
      int64_t kept = before->spec.value("reset_generation", int64_t{0});
      if (after.spec.value("reset_generation", int64_t{0}) < kept) {
        after.spec["reset_generation"] = kept;
      }
    }
    PHOTON_TRY(after.mod_revision, write(name, before, after, full));
    if (created) *created = !before;
    return after;
  });
}

Result<VmRecord> VmService::get(const std::string& name) {
  PHOTON_TRY_CTX(auto kv, store_.get(keys::vm(name)), "read VM " + name);
  if (!kv) return fail(ErrorCode::kNotFound, "no VM " + name, "name");
  return vmRecordFromStore(*kv);
}

Result<std::vector<VmRecord>> VmService::list() {
  PHOTON_CHECK_CTX(ledger_.sync(), "read the VM records");
  auto records = ledger_.records();
  std::vector<VmRecord> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(*r);
  return out;
}

Result<std::map<std::string, VmTotals>> VmService::totals() {
  PHOTON_CHECK_CTX(ledger_.sync(), "read the VM records");
  return ledger_.totals();
}

Result<std::vector<placement::NodeReservation>> VmService::reservations() {
  // Placement asks through its ReservedCapacity interface: say whose capacity failed to read.
  PHOTON_TRY_CTX(auto by_node, totals(), "VM reservations");
  std::vector<placement::NodeReservation> out;
  for (const auto& [node, t] : by_node) {
    out.push_back({"vm:", node, t.cpus * 1000, t.memory_mib << 20});
  }
  return out;
}

Status VmService::remove(const std::string& name) {
  std::lock_guard lock(write_mutex_);
  auto removed = withRetries<int64_t>([&]() -> Result<int64_t> {
    PHOTON_TRY_CTX(bool full, ledger_.sync(), "read the VM records");
    auto r = ledger_.record(name);
    if (!r) return fail(ErrorCode::kNotFound, "no VM " + name, "name");
    return write(name, *r, std::nullopt, full);
  });
  if (!removed) return std::unexpected(removed.error());
  return {};
}

Result<VmRecord> VmService::act(const std::string& name, VmAction action) {
  std::lock_guard lock(write_mutex_);
  return withRetries<VmRecord>([&]() -> Result<VmRecord> {
    PHOTON_TRY_CTX(bool full, ledger_.sync(), "read the VM records");
    auto r = ledger_.record(name);
    if (!r) return fail(ErrorCode::kNotFound, "no VM " + name, "name");
    VmRecord after = *r;
    switch (action) {
      case VmAction::kStart:
        after.spec["state"] = "running";
        break;
      case VmAction::kStop:
        after.spec["state"] = "stopped";
        break;
      case VmAction::kReset:
        after.spec["reset_generation"] = r->spec.value("reset_generation", int64_t{0}) + 1;
        break;
    }
    PHOTON_TRY(after.mod_revision, write(name, *r, after, full));
    return after;
  });
}

Json VmService::view(const VmRecord& record) {
  std::optional<common::VmReport> observed;
  std::string accel;
  std::string unreadable;
  auto doc = inventory_.observed(record.node);
  if (!doc) {
    unreadable = doc.error().context("read node " + record.node + "'s report").message;
  } else if (auto vms = common::vmsReportFromObserved(doc->body); !vms) {
    // A report this coordinator cannot read (a status newer than its table, say): the VM is
    // shown with what was wrong, not as pending.
    unreadable = vms.error().field + ": " + vms.error().message;
  } else if (std::optional<common::VmsReport>& found = *vms; found) {
    accel = found->accel;
    for (auto& v : found->vms) {
      if (v.name == record.name) observed = std::move(v);
    }
  }
  std::string status = observed ? std::string(common::toString(observed->status)) : "pending";
  if (!unreadable.empty()) status = "unknown";
  Json j = {{"name", record.name},
            {"node", record.node},
            {"pinned", !record.pinned.empty()},
            {"spec", record.spec},
            {"status", status},
            {"observed", observed ? common::toJson(*observed) : Json(nullptr)}};
  if (!accel.empty()) j["accel"] = accel;
  if (!unreadable.empty()) j["observed_error"] = unreadable;
  return j;
}

}  // namespace photon::coordinator
