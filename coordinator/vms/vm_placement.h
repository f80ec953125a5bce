// Where a VM runs: pure, deterministic placement over the nodes' facts and the VMs already
// placed on them. No store access, so it is tested (and benchmarked) on plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/api/node.h"
#include "common/result.h"

namespace photon::coordinator {

struct VmHost {
  std::string id;
  common::NodeState state = common::NodeState::kDiscovered;  // only an active node hosts VMs
  bool virtualization = false;
  int64_t memory_mib = 0;  // the node's memory (facts)
  int64_t placed_mib = 0;  // memory of the VMs placed there, stopped ones included
  int64_t placed_vms = 0;
  int64_t freeMib() const { return memory_mib - placed_mib; }
};

struct VmPlacementRequest {
  std::string name;
  int64_t memory_mib = 0;
  std::string pinned;   // "node" of the request: only this node, or a 409 saying why not
  std::string current;  // the node the VM is placed on already (its memory is not in placed_mib)
};

// Upper bound of VMs on one node: the agent refuses a longer "vms" section.
inline constexpr int64_t kMaxVmsPerNode = 1024;

// The host's id, or a kConflict error whose message says why nothing fits (kNotFound for a pin
// to an unknown node). An existing VM stays where it is unless pinned elsewhere; it is never
// moved silently. Among fitting hosts the one with the most free memory wins, then the lowest id.
[[nodiscard]] common::Result<std::string> placeVm(const std::vector<VmHost>& hosts,
                                                  const VmPlacementRequest& request);

}  // namespace photon::coordinator
