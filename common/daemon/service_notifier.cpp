#include "common/daemon/service_notifier.h"

#include <systemd/sd-daemon.h>

namespace photon::common {
namespace {
class SystemdNotifier final : public ServiceNotifier {
 public:
  void ready() override { sd_notify(0, "READY=1"); }
  void status(const std::string& line) override {
    // One line: systemctl status shows STATUS= as is.
    std::string clean = line.substr(0, line.find('\n'));
    sd_notify(0, ("STATUS=" + clean).c_str());
  }
  void watchdog() override { sd_notify(0, "WATCHDOG=1"); }
  void stopping() override { sd_notify(0, "STOPPING=1"); }
};
}  // namespace

std::unique_ptr<ServiceNotifier> makeSystemdNotifier() {
  return std::make_unique<SystemdNotifier>();
}

std::optional<std::chrono::microseconds> watchdogTimeout() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec);
}

}  // namespace photon::common
