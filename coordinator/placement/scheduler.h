// The pure scheduler: nodes (capacity, labels, whether they take new work), the allocations that
// already hold capacity, and what each service still needs -> the nodes chosen, and for what
// could not be placed, why. No store, no clock: the same input gives the same output.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "coordinator/inventory/selector.h"

namespace photon::coordinator::placement {

struct Resources {
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
};

struct SchedulerNode {
  std::string id;
  std::map<std::string, std::string> labels;
  std::string class_name;
  std::string pool;
  Resources capacity;  // from the node's facts: cores * 1000 millis, memory bytes
  // Takes new instances: active, alive, not draining. A node that does not still counts for
  // the capacity its existing allocations hold.
  bool schedulable = false;
};

// An instance that holds capacity on a node (and counts for its service's spread).
struct ExistingAllocation {
  std::string service;
  std::string node;
  Resources resources;
};

struct Demand {
  std::string service;
  Selector selector;
  Resources resources;
  std::string spread_label;     // empty: no spread
  bool distinct_hosts = false;  // at most one instance of the service per node
  // New instances wanted. Ignored when `global` or `pinned_nodes` is set.
  int count = 0;
  // One instance on every matching schedulable node that has none yet.
  bool global = false;
  // Core services: one instance on each of these nodes (that has none yet), capacity
  // permitting; never anywhere else. Whether the node is schedulable does not matter.
  std::vector<std::string> pinned_nodes;
  // Nodes this demand must not use (e.g. the node an instance is being moved off).
  std::vector<std::string> avoid_nodes;
};

struct DemandResult {
  std::vector<std::string> nodes;  // chosen, in placement order
  int unplaced = 0;                // wanted but not placed
  std::string reason;              // why, when unplaced > 0
};

// Reasons, as the API shows them (prefixes of DemandResult::reason).
inline constexpr const char* kNoNodeMatches = "no node matches";
inline constexpr const char* kNoCapacity = "no capacity";
inline constexpr const char* kSpreadExhausted = "spread exhausted";

// The fleet as one scheduler call sees it: every node once, in ascending id order, and what is
// already held on each by workloads the call is not told of one by one (the services no demand
// is for, VMs). The placement controller keeps these totals as the store changes, so a round
// that places a few instances does not list the other 100,000.
struct Fleet {
  std::vector<const SchedulerNode*> nodes;
  std::vector<Resources> held;  // by index in `nodes`

  void add(const SchedulerNode& node, Resources already_held = {}) {
    nodes.push_back(&node);
    held.push_back(already_held);
  }
  // The index of the node with this id, or nodes.size().
  size_t find(const std::string& id) const;
};

// Demands are served pinned first, then larger requests first, then by service name, so the
// result depends on nothing but the input. Within a demand: the spread value (of
// `spread_label`) that holds the fewest instances of the service goes first; within it the
// node that is left fullest (packing), ties by node id. `existing` lists the allocations that
// count for their service's spread and distinct_hosts (those of the demanded services) and hold
// capacity on top of `fleet.held`.
std::vector<DemandResult> schedule(const Fleet& fleet,
                                   const std::vector<ExistingAllocation>& existing,
                                   const std::vector<Demand>& demands);

// The same over nodes in any order with every allocation listed.
std::vector<DemandResult> schedule(const std::vector<SchedulerNode>& nodes,
                                   const std::vector<ExistingAllocation>& existing,
                                   const std::vector<Demand>& demands);

}  // namespace photon::coordinator::placement
