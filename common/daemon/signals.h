// The signals a daemon stops or reloads on, taken synchronously: blocked in every thread (so no
// handler runs at an arbitrary point) and received with sigwait, by the main thread
// (BlockedSignals::wait) or by a thread of their own (SignalThread).
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <initializer_list>
#include <thread>

namespace photon::common {

class BlockedSignals {
 public:
  // Blocks `signals` in the calling thread, and so in every thread it starts afterwards: make
  // it in main() before any thread starts. The first signal also wakes a SignalThread to stop.
  explicit BlockedSignals(std::initializer_list<int> signals);

  // Waits for the next of the signals and returns it.
  int wait() const;
  int first() const { return first_; }

 private:
  sigset_t set_{};
  int first_ = 0;
};

// Hands each of the blocked signals to `handle`, on its own thread, until it is destroyed.
class SignalThread {
 public:
  SignalThread(const BlockedSignals& signals, std::function<void(int)> handle);
  ~SignalThread();
  SignalThread(const SignalThread&) = delete;
  SignalThread& operator=(const SignalThread&) = delete;

 private:
  const BlockedSignals& signals_;
  std::function<void(int)> handle_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Name of a stop or reload signal for a log line: "SIGTERM".
const char* signalName(int sig);

}  // namespace photon::common
