// Runs BMC calls on its own small pool of threads, never on a request or control thread: one
// call at a time per target (a BMC serves one session badly and two worse), a deadline on each
// operation, retries with backoff inside it. A BMC that never answers holds one worker until its
// deadline and delays nothing queued for another target. Operations go before polls, and polls
// never hold more than half the workers: a rack of dead BMCs, polled every minute, would
// otherwise keep every worker at its deadline and an operator's "power on" behind them. When an
// operation is ready and every worker is held (a rack whose BMCs went dark, each asked to power
// off at once), the pool grows by a worker, up to max_workers: dead BMCs hold threads, not the
// live ones' turn. The pool keeps what it grew until the manager stops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "coordinator/power/power_driver.h"

namespace photon::coordinator::power {

struct PowerJob {
  enum class Kind { kStatus, kPower, kBoot };
  std::string target;
  std::string id;  // the operation's id (empty for a poll)
  Kind kind = Kind::kStatus;
  PowerAction action = PowerAction::kOn;
  BootDevice device = BootDevice::kDisk;
  std::string reason;  // "operator", "reprovision", "retire", "poll", …
};

struct PowerOutcome {
  PowerJob job;
  bool ok = false;
  std::string error;                // the BMC's (or the deadline's) words
  std::optional<PowerState> state;  // read after the operation, when the BMC answered
  int attempts = 0;
  std::chrono::milliseconds took{0};
};

struct PowerManagerOptions {
  int workers = 8;       // started with the manager
  int max_workers = 64;  // grown to, one at a time, while operations wait on a held pool
  std::chrono::milliseconds deadline{10000};  // per operation, retries included
  int attempts = 3;
  std::chrono::milliseconds backoff{250};  // doubled after each failed attempt
  size_t max_queued_per_target = 16;
  int max_poll_workers = 0;  // 0: half the workers (at least one)
};

class PowerManager {
 public:
  // `access` finds how to reach a target's BMC (run on a worker: it may read a password file);
  // `done` is called on a worker with each outcome; `drivers` makes the driver for a BMC;
  // `may_start` is asked before a job starts: false drops it unrun and unreported (the power
  // service says false once its coordinator stops leading, so that it starts nothing the next
  // leader will also start).
  using AccessFor = std::function<common::Result<BmcAccess>(const std::string& target)>;
  using Done = std::function<void(const PowerOutcome&)>;
  using DriverFactory =
      std::function<common::Result<std::unique_ptr<PowerDriver>>(const BmcAccess&)>;
  using MayStart = std::function<bool(const PowerJob&)>;

  PowerManager(PowerManagerOptions options, AccessFor access, Done done,
               DriverFactory drivers = makeDriver, MayStart may_start = {});
  // Stops taking jobs and waits for the running ones (each ends by its deadline).
  ~PowerManager();

  // Queues `job` behind the target's earlier ones; false when that queue is full.
  bool submit(PowerJob job);
  // Whether the target has a job queued or running.
  bool busy(const std::string& target) const;
  size_t running() const;
  // A poll is a status job nobody asked for (no operation id).
  static bool isPoll(const PowerJob& job) {
    return job.kind == PowerJob::Kind::kStatus && job.id.empty();
  }

 private:
  struct Lane {
    std::deque<PowerJob> jobs;
    bool running = false;
  };
  void work();
  // Puts a lane whose front job is now first in line into the queue of its kind.
  void markReady(const std::string& target, const Lane& lane) REQUIRES(mutex_);
  // The target whose job a free worker runs next, if any may run now.
  std::optional<std::string> nextReady() REQUIRES(mutex_);
  PowerOutcome execute(const PowerJob& job);
  // Waits `pause` unless the manager stops first; false when it stops.
  bool pauseFor(std::chrono::milliseconds pause);

  PowerManagerOptions options_;
  AccessFor access_;
  Done done_;
  DriverFactory drivers_;
  MayStart may_start_;
  size_t max_polls_;
  mutable common::Mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, Lane> lanes_ GUARDED_BY(mutex_);
  // Targets with a job and nothing running, by the kind of their first job.
  std::deque<std::string> ready_operations_ GUARDED_BY(mutex_);
  std::deque<std::string> ready_polls_ GUARDED_BY(mutex_);
  size_t running_ GUARDED_BY(mutex_) = 0;
  size_t running_polls_ GUARDED_BY(mutex_) = 0;
  size_t max_workers_;
  bool stopping_ GUARDED_BY(mutex_) = false;
  // Grown under mutex_ until stopping_; joined by the destructor alone, after it (no
  // GUARDED_BY: the analysis cannot see that order).
  std::vector<std::thread> workers_;
};

}  // namespace photon::coordinator::power
