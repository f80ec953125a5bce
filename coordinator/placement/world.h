// The cluster as one placement round sees it: nodes with their lifecycle state, liveness and
// capacity, and what each node's agent last reported about its units. Built by the controller
// from the store; everything that decides from it is pure.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/api/node.h"
#include "common/api/observed.h"
#include "common/json_fields.h"
#include "coordinator/placement/scheduler.h"

namespace photon::coordinator::placement {

struct NodeView {
  SchedulerNode sched;  // id, labels, class, pool, capacity, schedulable
  common::NodeState state = common::NodeState::kDiscovered;
  bool alive = true;
  int64_t missing_for = 0;  // seconds since it went missing (past its TTL); 0 while alive
  std::string
      declared_name;  // its "photon.io/node" label (the Nix declaration's name), or hostname
  std::string hostname;
};

// One instance as the node's agent reported it (observed "domains.units.instances[]").
struct InstanceObservation {
  common::InstanceState state = common::InstanceState::kUnknown;     // ActiveState, or refused
  common::InstanceHealth health = common::InstanceHealth::kUnknown;  // when a check ran
  std::string revision;  // the revision the running unit was started for
  std::string error;
  bool operator==(const InstanceObservation&) const = default;
};
using NodeObservation = std::map<std::string, InstanceObservation>;

// The instances of a stored observed document, by name (common/api/units_report.h's strict
// reader: an entry it cannot read is the error, naming its field).
[[nodiscard]] common::Result<NodeObservation> parseObservedUnits(const common::Json& observed);

// The health placement acts on: refused, failed, healthy (only for the wanted revision),
// unhealthy, starting, or kUnknown when the agent has not reported the instance yet.
common::InstanceHealth healthOf(const InstanceObservation& o, const std::string& wanted_revision);

struct World {
  std::map<std::string, NodeView> nodes;  // by node id
  std::map<std::string, NodeObservation> observed;
  int64_t now = 0;
  int64_t failover_grace_s = 60;
  // Nodes that hold an allocation of a movable (non-core) service: a draining node's core
  // instances stop only once these are gone.
  std::set<std::string> nodes_with_movable;
  // Capacity other workloads hold on nodes (VMs placed by /api/v1/vms): counted, never moved.
  std::vector<ExistingAllocation> reserved;

  const NodeView* node(const std::string& id) const {
    auto it = nodes.find(id);
    return it == nodes.end() ? nullptr : &it->second;
  }
  // Declared name (or hostname) -> node id, for pinned services.
  std::string nodeIdFor(const std::string& declared) const;
};

}  // namespace photon::coordinator::placement
