// What placement remembers about one service: its allocations (instance -> node, revision,
// health as last observed), the slots it could not fill and why, the instance templates still
// running somewhere, and the last spec that rolled out healthy (for auto_revert). Stored as one
// document per service under placement/<name>.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/api/observed.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::coordinator::placement {

using common::Json;

struct Allocation {
  std::string name;  // the units instance name: "<service>-<n>", never reused
  int64_t slot = 0;  // replica index (pinned: index into the pinned nodes; global: 0)
  std::string node;
  std::string revision;  // the instance revision it is to run
  int64_t created_at = 0;
  // Last observed: kUnknown ("", nothing yet), starting, healthy, unhealthy, failed, refused,
  // missing (its node is).
  common::InstanceHealth health = common::InstanceHealth::kUnknown;
  std::string error;          // the agent's error for it, if any
  int64_t healthy_since = 0;  // 0: not healthy now
  // A replacement made for a drain: the named allocation stops once this one is healthy.
  std::string replaces;
  // Its node went missing past the grace and the slot was re-placed elsewhere. It is no longer in
  // the node's desired units, so when the node comes back the agent stops it; the record goes
  // once the node is seen again.
  bool lost = false;
};

struct Unplaced {
  int64_t slot = 0;
  std::string reason;
  std::string replaces;  // a drain replacement that found no node
};

struct PlacementState {
  std::string service;
  int64_t next_index = 0;
  std::vector<Allocation> allocations;
  std::vector<Unplaced> unplaced;
  // Instance template (with resources) per revision still referenced by an allocation.
  std::map<std::string, Json> templates;
  // The last spec whose every instance was healthy for min_healthy_s, and its revision.
  Json last_healthy_spec;
  std::string last_healthy_revision;
  // Set when auto_revert went back to last_healthy_spec.
  std::string reverted_from;
  std::string revert_reason;
  // A rollout that stopped because an updated instance failed and there was nothing to revert
  // to (or auto_revert is off).
  std::string paused_reason;

  std::string newInstanceName() { return service + "-" + std::to_string(next_index++); }
};

// What the service's status and /metrics show: instances placed (on a live record), healthy
// among them, lost (their node went missing), and slots left unplaced.
struct InstanceCounts {
  int64_t placed = 0;
  int64_t healthy = 0;
  int64_t lost = 0;
  int64_t unplaced = 0;
};
InstanceCounts countInstances(const PlacementState& s);

Json toJson(const Allocation& a);
Json toJson(const PlacementState& s);
// A field of the wrong type or out of range is an error (kInternal, naming the field), never a
// default: a corrupt document must not quietly lose allocations or restart instance numbering.
[[nodiscard]] common::Result<PlacementState> placementStateFromJson(const Json& j);

}  // namespace photon::coordinator::placement
