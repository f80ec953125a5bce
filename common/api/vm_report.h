// The agent's observed "vms" domain, one typed struct for both daemons: the agent's VM
// reconciler builds a VmsReport and writes it with toJson, the coordinator reads the stored
// report back with vmsReportFromObserved (strict: an unknown status is an error naming its
// field).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/observed.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

// QEMU's SHUTDOWN event: whether the guest asked for it, and QEMU's reason ("guest-shutdown",
// "host-signal", ...).
struct VmShutdown {
  bool guest = false;
  std::string reason;

  bool operator==(const VmShutdown&) const = default;
};

struct VmReport {
  std::string name;
  VmStatus status = VmStatus::kUnknown;
  int64_t pid = 0;                           // 0 when its QEMU does not run
  std::vector<std::string> devices;          // hot-plugged devices QEMU holds (no root ports)
  std::vector<std::string> pending_unplug;   // asked to go, the guest has not let go yet
  int64_t restarts = 0;                      // by the agent, after a crash or a changed spec
  int64_t reset_events = 0;                  // guest resets since the agent started
  std::vector<std::string> pending_restart;  // spec fields that apply at its next boot
  std::optional<VmShutdown> last_shutdown;
  std::string error;

  bool operator==(const VmReport&) const = default;
};

struct VmsReport {
  std::string accel;  // the accelerator QEMU runs with: "kvm" or "tcg"
  std::vector<VmReport> vms;
  std::string error;  // the desired section was refused (what runs keeps running)

  bool operator==(const VmsReport&) const = default;
};

Json toJson(const VmReport& report);
[[nodiscard]] Result<VmReport> vmReportFromJson(const Json& j, const std::string& path);
Json toJson(const VmsReport& report);
[[nodiscard]] Result<VmsReport> vmsReportFromJson(const Json& j, const std::string& path);

// The "vms" domain of a whole observed document ({"domains": {"vms": {...}}}); nullopt when the
// node reports none.
[[nodiscard]] Result<std::optional<VmsReport>> vmsReportFromObserved(const Json& observed);

}  // namespace photon::common
