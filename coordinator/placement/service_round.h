// One service's placement round, pure: given its spec, what placement remembers and the world,
// decide which allocations stay, which stop (failover, drain, scale-down, update), which need a
// node (the scheduler picks it), and whether a failed update reverts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "coordinator/placement/placement_state.h"
#include "coordinator/placement/scheduler.h"
#include "coordinator/placement/service_spec.h"
#include "coordinator/placement/world.h"

namespace photon::coordinator::placement {

struct PendingPlacement {
  int64_t slot = 0;
  std::string replaces;  // a drain replacement for this allocation
};

struct ServiceRound {
  PlacementState state;
  std::vector<PendingPlacement> pending;  // to be placed by the scheduler
  std::vector<std::string> avoid_nodes;
};

// Refreshes each allocation's health from the world (healthy_since included).
void observeHealth(PlacementState& state, const World& world);

// When an updated instance failed: the spec to go back to (auto_revert and a last healthy spec
// that differs), with `state` marked reverted; or nothing, with the rollout paused in `state`
// when it cannot revert.
std::optional<Json> revertTarget(const ServiceSpec& spec, PlacementState& state);

// Everything but the scheduling: failover, drain, scale, rolling update. `state` must have been
// through observeHealth.
ServiceRound planService(const ServiceSpec& spec, PlacementState state, const World& world);

// What the scheduler is asked for this round.
Demand demandFor(const ServiceSpec& spec, const ServiceRound& round, const World& world);

// Turns the scheduler's answer into allocations (and reasons for what it could not place).
void applyResult(const ServiceSpec& spec, ServiceRound& round, const DemandResult& result,
                 const World& world);

// Existing allocations that hold capacity (all but the lost).
void addExisting(const ServiceSpec& spec, const PlacementState& state,
                 std::vector<ExistingAllocation>& out);

}  // namespace photon::coordinator::placement
