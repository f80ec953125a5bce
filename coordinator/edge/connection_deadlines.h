// Deadlines for the edge's connections, enforced by one sweeping timer instead of a timer per
// read and write. Beast's per-operation timeouts (basic_stream::expires_after) start a timer
// before every read and write and cancel it after: each takes the reactor's lock and posts a
// completion, which showed as about one futex wake per request under a poll load (strace:
// 15,299 futex calls for 16,416 requests; a bare Beast server without timers makes 0.27). Here
// arming a deadline stores a time in an atomic, and a sweep every quarter of the shortest
// limit expires the connections whose deadline passed: a deadline fires at most that late.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "common/mutex.h"

namespace photon::coordinator {

class ConnectionDeadline {
 public:
  using Clock = std::chrono::steady_clock;

  // The connection's current step must end by `when` (or `in` from now).
  void armAt(Clock::time_point when);
  void arm(std::chrono::milliseconds in) { armAt(Clock::now() + in); }
  // No deadline (a handler runs, a long-poll is held: they have their own bounds).
  void disarm();
  // Whether a sweep expired this connection: an operation that failed after this was cut.
  bool timedOut() const { return timed_out_.load(std::memory_order_acquire); }

  // The sweep's side: true, once, when the armed deadline has passed by `now` (the deadline
  // is disarmed and the connection marked timed out).
  bool claimIfPassed(Clock::time_point now);

 private:
  static constexpr int64_t kNone = INT64_MAX;
  std::atomic<int64_t> deadline_ns_{kNone};
  std::atomic<bool> timed_out_{false};
};

class ConnectionDeadlines {
 public:
  struct Callbacks {
    // Called by sweep() for a connection whose deadline passed: cancel its pending I/O (on
    // its own strand), so the step fails and the connection ends or answers 408.
    std::function<void()> expire;
    // Called by closeAll(): shut the connection down (on its own strand).
    std::function<void()> close;
  };

  // A new connection: its id (for remove) and its deadline, shared with the connection.
  std::pair<uint64_t, std::shared_ptr<ConnectionDeadline>> add(Callbacks callbacks);
  void remove(uint64_t id);

  // Expires every connection whose deadline passed by `now`; returns how many.
  size_t sweep(ConnectionDeadline::Clock::time_point now);
  void closeAll();
  size_t size() const;

  // How often to sweep for limits whose shortest is `shortest`: a quarter of it, between
  // 10 ms and 1 s.
  static std::chrono::milliseconds sweepInterval(std::chrono::milliseconds shortest);

 private:
  struct Entry {
    std::shared_ptr<ConnectionDeadline> deadline;
    Callbacks callbacks;
  };
  mutable common::Mutex mutex_;
  uint64_t next_id_ GUARDED_BY(mutex_) = 1;
  std::unordered_map<uint64_t, Entry> entries_ GUARDED_BY(mutex_);
};

}  // namespace photon::coordinator
