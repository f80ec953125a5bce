// Capacity other workloads hold on nodes, which placement counts and never moves. The VM service
// implements it (coordinator/vms/vm_service.h) and the coordinator's wiring hands it in, so that
// placement links nothing of the VMs and builds no service of theirs itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace photon::coordinator::placement {

struct NodeReservation {
  std::string holder;  // who holds it, as placement names it in a reason ("vm:")
  std::string node;
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
};

class ReservedCapacity {
 public:
  virtual ~ReservedCapacity() = default;
  // What is held now, per node (one entry per holder and node).
  [[nodiscard]] virtual common::Result<std::vector<NodeReservation>> reservations() = 0;
};

}  // namespace photon::coordinator::placement
