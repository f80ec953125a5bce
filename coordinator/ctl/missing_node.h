// How long a node has been missing and when its instances fail over, worked out from what the
// API already gives: the node's "last_seen" (GET /api/v1/nodes) and the declaration's
// settings.node_ttl_s and placement.failover_grace_s (GET /api/v1/cluster). A node is missing
// once last_seen + TTL has passed; its instances are re-placed once it has been missing for
// longer than the grace (coordinator/placement: missing_for > failover_grace_s).
//
// The times are the coordinator's (last_seen) against this machine's clock: a skew between the
// two shifts them by as much.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace photon::ctl {

struct FailoverTimes {
  int64_t node_ttl_s = 60;        // common::LifecycleSettings' default
  int64_t failover_grace_s = 60;  // coordinator/placement's PlacementOptions default
};

// From GET /api/v1/cluster's answer (defaults where it says nothing).
FailoverTimes failoverTimes(const nlohmann::json& cluster);

// "missing 1m05s, fails over in 40s", or "missing 3m00s, failover due" (placement re-places the
// instances at its next round); "" for a node that is not missing. `node` is one entry of
// GET /api/v1/nodes (or GET /api/v1/nodes/ID).
std::string missingText(const nlohmann::json& node, const FailoverTimes& times, int64_t now);

// "1m05s", "2h03m", "45s".
std::string duration(int64_t seconds);

}  // namespace photon::ctl
