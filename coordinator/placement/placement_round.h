// One placement round over every service, pure: health from the world, auto_revert, each
// service's plan, one scheduler call for all their demands, the answers turned into
// allocations. The controller wraps it in store I/O; tests drive it round after round.
#pragma once

#include <functional>
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

// Adds to `fleet.held` the capacity the services not planned this round hold (the fleet has
// every node of the world, in id order). Called only when some demand needs the scheduler.
using HeldByOthers = std::function<void(Fleet& fleet)>;

// Inputs in any order; outputs in the same order. A round whose plans need no new node (the
// usual: nothing to place) does not call the scheduler. Without `others`, only the planned
// services and the world's reservations hold capacity.
std::vector<ServiceOutput> placeAll(std::vector<ServiceInput> inputs, const World& world,
                                    const HeldByOthers& others = {});

}  // namespace photon::coordinator::placement
