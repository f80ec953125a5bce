// What a daemon tells systemd (sd_notify): READY=1 once it serves, STATUS= a one-line
// summary, WATCHDOG=1 pings, STOPPING=1. An interface so a daemon loop is tested without systemd.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace photon::common {

class ServiceNotifier {
 public:
  virtual ~ServiceNotifier() = default;
  virtual void ready() = 0;
  virtual void status(const std::string& line) = 0;
  virtual void watchdog() = 0;
  virtual void stopping() = 0;
};

// sd_notify to $NOTIFY_SOCKET; does nothing when the daemon does not run under systemd.
std::unique_ptr<ServiceNotifier> makeSystemdNotifier();

// WATCHDOG_USEC when systemd asks this process for pings (sd_watchdog_enabled).
std::optional<std::chrono::microseconds> watchdogTimeout();

}  // namespace photon::common
