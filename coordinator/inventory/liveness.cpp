#include "coordinator/inventory/liveness.h"

#include <algorithm>

namespace photon::coordinator {

LivenessTracker::LivenessTracker(int64_t started_at) : floor_(started_at) {}

void LivenessTracker::seen(const std::string& node_id, int64_t now) {
  common::MutexLock lock(mutex_);
  int64_t& at = own_[node_id];
  at = std::max(at, now);
}

int64_t LivenessTracker::lastSeen(const std::string& node_id) const {
  common::MutexLock lock(mutex_);
  int64_t at = floor_;
  if (auto it = own_.find(node_id); it != own_.end()) at = std::max(at, it->second);
  if (auto it = shared_.find(node_id); it != shared_.end()) at = std::max(at, it->second);
  return at;
}

bool LivenessTracker::missing(const std::string& node_id, int64_t now, int64_t ttl) const {
  return now - lastSeen(node_id) > ttl;
}

void LivenessTracker::graceFrom(int64_t since) {
  common::MutexLock lock(mutex_);
  floor_ = std::max(floor_, since);
}

int64_t LivenessTracker::graceFloor() const {
  common::MutexLock lock(mutex_);
  return floor_;
}

PollTimes LivenessTracker::ownPolls() const {
  common::MutexLock lock(mutex_);
  return own_;
}

void LivenessTracker::setShared(PollTimes merged) {
  common::MutexLock lock(mutex_);
  shared_ = std::move(merged);
}

}  // namespace photon::coordinator
