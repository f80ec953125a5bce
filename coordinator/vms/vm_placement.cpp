#include "coordinator/vms/vm_placement.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;

// Why `host` cannot take the VM, or empty when it can.
std::string unfit(const VmHost& host, int64_t memory_mib) {
  if (host.state != common::NodeState::kActive) {
    return "node " + host.id + " is " + std::string(common::toString(host.state)) + ", not active";
  }
  if (!host.virtualization) return "node " + host.id + " has no hardware virtualization";
  if (host.placed_vms >= kMaxVmsPerNode) {
    return "node " + host.id + " has " + std::to_string(host.placed_vms) + " VMs already";
  }
  if (host.freeMib() < memory_mib) {
    return "node " + host.id + " has " + std::to_string(host.freeMib()) + " MiB free of " +
           std::to_string(host.memory_mib) + ", the VM needs " + std::to_string(memory_mib);
  }
  return {};
}
}  // namespace

common::Result<std::string> placeVm(const std::vector<VmHost>& hosts,
                                    const VmPlacementRequest& request) {
  const std::string& wanted = request.pinned.empty() ? request.current : request.pinned;
  if (!wanted.empty()) {
    for (const auto& host : hosts) {
      if (host.id != wanted) continue;
      std::string why = unfit(host, request.memory_mib);
      if (why.empty()) return host.id;
      return fail(ErrorCode::kConflict,
                  "VM " + request.name + " cannot run on " +
                      (request.pinned.empty() ? "its node: " : "the pinned node: ") + why,
                  request.pinned.empty() ? "memory_mib" : "node");
    }
    if (!request.pinned.empty()) {
      return fail(ErrorCode::kNotFound, "no node " + request.pinned, "node");
    }
    // The VM's node left the inventory: place it afresh.
  }

  const VmHost* best = nullptr;
  int candidates = 0;
  int64_t most_free = -1;
  std::string most_free_id;
  for (const auto& host : hosts) {
    if (host.state != common::NodeState::kActive || !host.virtualization) continue;
    ++candidates;
    if (host.placed_vms < kMaxVmsPerNode && host.freeMib() > most_free) {
      most_free = host.freeMib();
      most_free_id = host.id;
    }
    if (!unfit(host, request.memory_mib).empty()) continue;
    if (!best || host.freeMib() > best->freeMib() ||
        (host.freeMib() == best->freeMib() && host.id < best->id)) {
      best = &host;
    }
  }
  if (best) return best->id;
  if (candidates == 0) {
    return fail(ErrorCode::kConflict,
                "no node fits VM " + request.name + ": no active node has hardware virtualization",
                "node");
  }
  std::string detail =
      most_free_id.empty()
          ? "every one holds " + std::to_string(kMaxVmsPerNode) + " VMs"
          : "the most free is " + std::to_string(most_free) + " MiB on " + most_free_id;
  return fail(ErrorCode::kConflict,
              "no node fits VM " + request.name + ": it needs " +
                  std::to_string(request.memory_mib) + " MiB and, of " +
                  std::to_string(candidates) + " active node(s) with virtualization, " + detail,
              "memory_mib");
}

}  // namespace photon::coordinator
