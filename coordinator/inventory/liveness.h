// When each node's agent last polled. Kept in memory, not in the store: a poll is not worth a
// disk write, and after a coordinator restart every node gets one TTL of grace.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace photon::coordinator {

class LivenessTracker {
 public:
  explicit LivenessTracker(int64_t started_at) : started_at_(started_at) {}

  void seen(const std::string& node_id, int64_t now) {
    std::lock_guard lock(mutex_);
    last_seen_[node_id] = now;
  }
  // The last poll, or the tracker's start when the node has not polled since.
  int64_t lastSeen(const std::string& node_id) const {
    std::lock_guard lock(mutex_);
    auto it = last_seen_.find(node_id);
    return it == last_seen_.end() ? started_at_ : it->second;
  }
  bool missing(const std::string& node_id, int64_t now, int64_t ttl) const {
    return now - lastSeen(node_id) > ttl;
  }

 private:
  int64_t started_at_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int64_t> last_seen_;
};

}  // namespace photon::coordinator
