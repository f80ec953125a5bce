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

// Adds the allocations of the services not planned this round (they hold capacity and count for
// spread). Called only when some demand needs the scheduler.
using OtherAllocations = std::function<void(std::vector<ExistingAllocation>&)>;

// Inputs in any order; outputs in the same order. A round whose plans need no new node (the
// usual: nothing to place) does not call the scheduler.
std::vector<ServiceOutput> placeAll(std::vector<ServiceInput> inputs, const World& world,
                                    const OtherAllocations& others = {});

}  // namespace photon::coordinator::placement
