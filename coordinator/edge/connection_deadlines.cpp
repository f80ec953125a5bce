#include "coordinator/edge/connection_deadlines.h"

#include <algorithm>
#include <vector>

namespace photon::coordinator {
namespace {
int64_t toNanos(ConnectionDeadline::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
}  // namespace

void ConnectionDeadline::armAt(Clock::time_point when) {
  deadline_ns_.store(toNanos(when), std::memory_order_release);
}

void ConnectionDeadline::disarm() {
  deadline_ns_.store(kNone, std::memory_order_release);
}

bool ConnectionDeadline::claimIfPassed(Clock::time_point now) {
  int64_t deadline = deadline_ns_.load(std::memory_order_acquire);
  if (deadline == kNone || deadline > toNanos(now)) return false;
  // The connection may re-arm at the same moment (its step just ended): only the deadline
  // that was seen to pass is claimed.
  if (!deadline_ns_.compare_exchange_strong(deadline, kNone, std::memory_order_acq_rel)) {
    return false;
  }
  timed_out_.store(true, std::memory_order_release);
  return true;
}

std::pair<uint64_t, std::shared_ptr<ConnectionDeadline>> ConnectionDeadlines::add(
    Callbacks callbacks) {
  auto deadline = std::make_shared<ConnectionDeadline>();
  common::MutexLock lock(mutex_);
  uint64_t id = next_id_++;
  entries_.emplace(id, Entry{deadline, std::move(callbacks)});
  return {id, deadline};
}

void ConnectionDeadlines::remove(uint64_t id) {
  common::MutexLock lock(mutex_);
  entries_.erase(id);
}

size_t ConnectionDeadlines::sweep(ConnectionDeadline::Clock::time_point now) {
  std::vector<std::function<void()>> expired;
  {
    common::MutexLock lock(mutex_);
    for (auto& [id, entry] : entries_) {
      if (entry.deadline->claimIfPassed(now)) expired.push_back(entry.callbacks.expire);
    }
  }
  // Outside the lock: a callback may post to a strand whose connection is ending (remove()).
  for (auto& expire : expired) expire();
  return expired.size();
}

void ConnectionDeadlines::closeAll() {
  std::vector<std::function<void()>> all;
  {
    common::MutexLock lock(mutex_);
    for (auto& [id, entry] : entries_) all.push_back(entry.callbacks.close);
  }
  for (auto& close : all) close();
}

size_t ConnectionDeadlines::size() const {
  common::MutexLock lock(mutex_);
  return entries_.size();
}

std::chrono::milliseconds ConnectionDeadlines::sweepInterval(std::chrono::milliseconds shortest) {
  return std::clamp(shortest / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
}

}  // namespace photon::coordinator
