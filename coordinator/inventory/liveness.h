// When each node's agent last polled, as every coordinator agrees on it. Each coordinator
// records the polls it answers itself (kept in memory: a poll is not worth a store write);
// LivenessSharing publishes them in batches to the store and merges every coordinator's batch
// back in, so the leader sees the agents that poll a follower, and a coordinator that takes over
// knows who was alive. Nobody is missing within one TTL of this coordinator's start or of its
// taking the lead (the grace floor).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/mutex.h"

namespace photon::coordinator {

// node id -> last poll (Unix seconds).
using PollTimes = std::unordered_map<std::string, int64_t>;

class LivenessTracker {
 public:
  explicit LivenessTracker(int64_t started_at);

  // A poll (or report) by the node itself that this coordinator answered.
  void seen(const std::string& node_id, int64_t now);
  // The last poll any coordinator answered, but never before the grace floor.
  int64_t lastSeen(const std::string& node_id) const;
  bool missing(const std::string& node_id, int64_t now, int64_t ttl) const;

  // Nobody counts as missing for one TTL after `since` (this coordinator took over the lead).
  void graceFrom(int64_t since);
  int64_t graceFloor() const;
  // The polls this coordinator answered itself, to publish.
  PollTimes ownPolls() const;
  // The merge of what every coordinator published (replaces the previous merge).
  void setShared(PollTimes merged);

 private:
  mutable common::Mutex mutex_;
  int64_t floor_ GUARDED_BY(mutex_);
  PollTimes own_ GUARDED_BY(mutex_);
  PollTimes shared_ GUARDED_BY(mutex_);
};

}  // namespace photon::coordinator
