// systemd's watchdog (WatchdogSec=): pings at half the interval systemd asks for, only while
// the daemon says it makes progress, so a daemon stuck past its longest legitimate wait stops
// the pings and systemd restarts it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "common/daemon/service_notifier.h"
#include "common/mutex.h"

namespace photon::common {

class WatchdogThread {
 public:
  // Calls `ping` every `period` while `healthy()` holds; stops and joins when destroyed.
  WatchdogThread(std::chrono::microseconds period, std::function<bool()> healthy,
                 std::function<void()> ping);
  ~WatchdogThread();
  WatchdogThread(const WatchdogThread&) = delete;
  WatchdogThread& operator=(const WatchdogThread&) = delete;

 private:
  common::Mutex mutex_;
  std::condition_variable wake_;
  bool done_ GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

// A watchdog pinging `notifier` at half of WATCHDOG_USEC when systemd asks for pings, else
// null. `notifier` must outlive it.
std::unique_ptr<WatchdogThread> startWatchdog(ServiceNotifier& notifier,
                                              std::function<bool()> healthy);

}  // namespace photon::common
