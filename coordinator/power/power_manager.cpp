#include "coordinator/power/power_manager.h"

#include <algorithm>

namespace photon::coordinator::power {
namespace {

using Clock = std::chrono::steady_clock;

// Only what the network or the BMC may cure by itself is worth another attempt; a refused
// password or an unknown system is not.
bool retryable(const common::Error& error) {
  return error.code == common::ErrorCode::kUnavailable;
}

}  // namespace

PowerManager::PowerManager(PowerManagerOptions options, AccessFor access, Done done,
                           DriverFactory drivers, MayStart may_start)
    : options_(options),
      access_(std::move(access)),
      done_(std::move(done)),
      drivers_(std::move(drivers)),
      may_start_(std::move(may_start)),
      max_polls_(static_cast<size_t>(options.max_poll_workers > 0
                                         ? options.max_poll_workers
                                         : std::max(1, std::max(1, options.workers) / 2))),
      max_workers_(
          static_cast<size_t>(std::max(options.max_workers, std::max(1, options.workers)))) {
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { work(); });
  }
}

PowerManager::~PowerManager() {
  {
    common::MutexLock lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

bool PowerManager::submit(PowerJob job) {
  {
    common::MutexLock lock(mutex_);
    if (stopping_) return false;
    Lane& lane = lanes_[job.target];
    if (lane.jobs.size() >= options_.max_queued_per_target) return false;
    std::string target = job.target;
    const bool poll = isPoll(job);
    lane.jobs.push_back(std::move(job));
    if (!lane.running && lane.jobs.size() == 1) {
      markReady(target, lane);
      // Every worker is held (by BMCs that do not answer, most likely): one more, so that
      // this operation starts now rather than at their deadlines.
      const size_t free_workers = workers_.size() - std::min(running_, workers_.size());
      if (!poll && ready_operations_.size() > free_workers && workers_.size() < max_workers_) {
        workers_.emplace_back([this] { work(); });
      }
    }
  }
  cv_.notify_all();  // the worker woken must be one that may take this kind
  return true;
}

void PowerManager::markReady(const std::string& target, const Lane& lane) {
  (isPoll(lane.jobs.front()) ? ready_polls_ : ready_operations_).push_back(target);
}

std::optional<std::string> PowerManager::nextReady() {
  auto take = [](std::deque<std::string>& queue) {
    std::string target = std::move(queue.front());
    queue.pop_front();
    return target;
  };
  if (!ready_operations_.empty()) return take(ready_operations_);
  if (!ready_polls_.empty() && running_polls_ < max_polls_) return take(ready_polls_);
  return std::nullopt;
}

bool PowerManager::busy(const std::string& target) const {
  common::MutexLock lock(mutex_);
  auto it = lanes_.find(target);
  return it != lanes_.end() && (it->second.running || !it->second.jobs.empty());
}

size_t PowerManager::running() const {
  common::MutexLock lock(mutex_);
  return running_;
}

void PowerManager::work() {
  common::MutexLock lock(mutex_);
  while (true) {
    std::optional<std::string> next;
    lock.wait(cv_, [&] {
      mutex_.assertHeld();  // the predicate runs under the lock
      return stopping_ || (next = nextReady()).has_value();
    });
    if (stopping_) return;
    // The wait ends on its predicate: stopping_, or next set.
    const std::string target = std::move(*next);  // NOLINT(bugprone-unchecked-optional-access)
    Lane& lane = lanes_[target];
    PowerJob job = std::move(lane.jobs.front());
    lane.jobs.pop_front();
    lane.running = true;
    const bool poll = isPoll(job);
    ++running_;
    if (poll) ++running_polls_;
    lock.unlock();

    if (!may_start_ || may_start_(job)) {
      PowerOutcome outcome = execute(job);
      done_(outcome);
    }

    lock.lock();
    --running_;
    if (poll) --running_polls_;
    Lane& after = lanes_[target];
    after.running = false;
    if (!after.jobs.empty()) {
      markReady(target, after);
    } else {
      lanes_.erase(target);  // idle targets cost nothing
    }
    cv_.notify_all();  // a lane is ready, or a poll's place is free
  }
}

bool PowerManager::pauseFor(std::chrono::milliseconds pause) {
  common::MutexLock lock(mutex_);
  return !lock.waitFor(cv_, pause, [this] {
    mutex_.assertHeld();  // the predicate runs under the lock
    return stopping_;
  });
}

PowerOutcome PowerManager::execute(const PowerJob& job) {
  auto started = Clock::now();
  Deadline deadline = started + options_.deadline;
  PowerOutcome out{job};
  auto backoff = options_.backoff;
  common::Error last{common::ErrorCode::kUnavailable, "no attempt before the deadline", "", {}};
  for (int attempt = 1; attempt <= std::max(1, options_.attempts); ++attempt) {
    out.attempts = attempt;
    common::Status result;
    auto access = access_(job.target);
    auto driver =
        access ? drivers_(*access)
               : common::Result<std::unique_ptr<PowerDriver>>(std::unexpected(access.error()));
    if (!driver) {
      result = std::unexpected(driver.error());
    } else if (job.kind == PowerJob::Kind::kStatus) {
      auto state = (*driver)->status(deadline);
      if (state) out.state = *state;
      result = state ? common::Status{} : common::Status(std::unexpected(state.error()));
    } else if (job.kind == PowerJob::Kind::kPower) {
      result = (*driver)->power(job.action, deadline);
    } else {
      result = (*driver)->setBootDevice(job.device, deadline);
    }
    if (result) {
      out.ok = true;
      // The state right after the operation, so that what the API shows is what was done; a
      // BMC that answered the action but not this read leaves the state as it was.
      if (job.kind == PowerJob::Kind::kPower) {
        if (auto state = (*driver)->status(deadline)) out.state = *state;
      }
      break;
    }
    last = result.error();
    if (!retryable(last) || attempt == options_.attempts || remaining(deadline) <= backoff) break;
    if (!pauseFor(backoff)) break;
    backoff *= 2;
  }
  if (!out.ok) {
    out.error = last.message;
    if (retryable(last)) {
      out.error += " (" + std::to_string(out.attempts) + " attempt(s), deadline " +
                   std::to_string(options_.deadline.count()) + " ms)";
    }
  }
  out.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  return out;
}

}  // namespace photon::coordinator::power
