#include "common/daemon/watchdog.h"

namespace photon::common {

WatchdogThread::WatchdogThread(std::chrono::microseconds period, std::function<bool()> healthy,
                               std::function<void()> ping) {
  thread_ = std::thread([this, period, healthy = std::move(healthy), ping = std::move(ping)] {
    common::MutexLock lock(mutex_);
    while (!done_) {
      if (healthy()) ping();
      lock.waitFor(wake_, period, [this] {
        mutex_.assertHeld();  // the predicate runs under the lock
        return done_;
      });
    }
  });
}

WatchdogThread::~WatchdogThread() {
  {
    common::MutexLock lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::unique_ptr<WatchdogThread> startWatchdog(ServiceNotifier& notifier,
                                              std::function<bool()> healthy) {
  auto timeout = watchdogTimeout();
  if (!timeout) return nullptr;
  return std::make_unique<WatchdogThread>(*timeout / 2, std::move(healthy),
                                          [&notifier] { notifier.watchdog(); });
}

}  // namespace photon::common
