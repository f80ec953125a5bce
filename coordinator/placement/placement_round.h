// One placement round over every service, pure: health from the world, auto_revert, each
// service's plan, one scheduler call for all their demands, the answers turned into
// allocations. The controller wraps it in store I/O; tests drive it round after round.
#pragma once

#include <optional>
#include <vector>

#include "coordinator/placement/service_round.h"

namespace photon::coordinator::placement {

struct ServiceInput {
  ServiceSpec spec;
  PlacementState state;
};

struct ServiceOutput {
  ServiceSpec spec;  // the reverted spec after an auto_revert
  ServiceRound round;
  std::optional<Json> reverted_spec;  // to store as the service's spec
};

// Inputs in any order; outputs in the same order.
std::vector<ServiceOutput> placeAll(std::vector<ServiceInput> inputs, const World& world);

}  // namespace photon::coordinator::placement
