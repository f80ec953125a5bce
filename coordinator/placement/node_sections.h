// The parts of each node's desired document that placement writes, composed purely from the
// allocations: "units" (one instance per allocation on the node) and "bgp" (the node's BGP
// config from the cluster declaration plus the VIPs of the services placed on it).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/api/cluster.h"
#include "coordinator/placement/placement_state.h"
#include "coordinator/placement/service_spec.h"

namespace photon::coordinator::placement {

// Marks the instances placement owns inside a node's "units" list, so that instances an operator
// put there by hand are left alone (the agent ignores the field).
inline constexpr const char* kPlacedBy = "placed_by";

struct PlacedService {
  const ServiceSpec* spec;
  const PlacementState* state;
};

// What placement has on one node: its live allocations (lost ones are left out: their node is
// to stop them), with the service each belongs to.
struct NodeShare {
  std::vector<std::pair<const PlacedService*, const Allocation*>> allocations;
};
std::map<std::string, NodeShare> sharesByNode(const std::vector<PlacedService>& services);

// Equal signatures mean equal sections (an instance's content is fixed by its revision), so a
// round skips unchanged nodes without building their JSON.
std::string signature(const NodeShare& share);

// The nodes whose share of one service differs between two of its placements (a live
// allocation added, removed, lost or at another revision): the only nodes whose signature the
// change can move, so a round that moves a few instances of a large service checks a few nodes.
std::set<std::string> nodesWhoseShareMoved(const PlacementState& before,
                                           const PlacementState& after);

// The node's instances, sorted by name; core services that only reserve capacity (no
// instance) have none.
Json unitsSection(const NodeShare& share);

// The services with a live allocation on the node, sorted.
std::vector<std::string> servicesOf(const NodeShare& share);

// `current` (a node's "units" section, possibly null) with our instances replaced by `ours`;
// `current` itself when it holds none of ours and `ours` is empty.
Json mergeUnits(const Json& current, const Json& ours);

// The node's "bgp" section, or null when the declaration has no BGP config for `declared_name`
// (then placement leaves the section alone). VIPs ("vips": [{name, address, service}] in the
// declaration) are those of `services`, sorted by address.
Json bgpSection(const common::Cluster& cluster, const std::string& declared_name,
                const std::vector<std::string>& services);

}  // namespace photon::coordinator::placement
