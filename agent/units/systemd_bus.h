// The units domain's one adapter to the OS: systemd's manager over D-Bus. Methods are whole
// tasks (start a transient unit and wait for its job, stop one and wait until it is gone), so
// the reconciler and its tests never see D-Bus. The real one is in sd_systemd_bus.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace photon::agent {

// Everything a transient service is started with; the names follow systemd's properties.
struct TransientUnit {
  std::string name;  // "photon-web.service"
  std::string description;
  // exec: the start job waits for the execve, so a missing or unrunnable binary fails the start
  // (the agent reports it) instead of a started unit that dies with status 203/EXEC.
  std::string type = "exec";
  std::vector<std::string> exec_start;   // argv; [0] is the absolute path
  std::vector<std::string> environment;  // "KEY=value"
  std::string user;
  std::string restart = "on-failure";  // Restart=
  uint64_t restart_usec = 100'000;
  bool remain_after_exit = false;
  std::optional<uint64_t> memory_max;              // bytes
  std::optional<uint64_t> cpu_quota_per_sec_usec;  // 1'000'000 = one core
  bool no_new_privileges = false;
  std::string protect_system;  // "" leaves it unset
  std::string protect_home;
  bool private_tmp = false;
  bool private_network = false;
  bool delegate = false;  // a container runtime manages its own sub-cgroups
  std::string kill_mode;  // "" leaves systemd's default
  // The sandbox a VM's QEMU runs in (agent/vms/vm_unit_runner.h); empty/unset leaves them out.
  std::optional<uint64_t> tasks_max;
  std::string device_policy;                                      // "closed", "strict"
  std::vector<std::pair<std::string, std::string>> device_allow;  // {"/dev/kvm", "rw"}
  std::optional<uint64_t> capability_bounding_set;                // a mask of 1 << CAP_*
  std::string group;
  std::string runtime_directory;       // under /run, made and owned for `user`, removed at stop
  std::string runtime_directory_mode;  // "0700"
  std::string standard_output_append;  // a file, opened by the manager and appended to
  std::string standard_error_append;
  // RuntimeMaxSec: systemd kills the unit once it has run this long (Result "timeout"), also
  // when the agent that started it is gone. TimeoutStopSec: how long a stop waits for SIGTERM
  // before SIGKILL.
  std::optional<uint64_t> runtime_max_usec;
  std::optional<uint64_t> timeout_stop_usec;
};

// What the manager reports about one unit.
struct UnitState {
  std::string name;
  std::string description;
  std::string load_state;    // loaded, not-found, ...
  std::string active_state;  // active, activating, deactivating, inactive, failed
  std::string sub_state;     // running, exited, auto-restart, dead, failed, ...
  uint32_t main_pid = 0;
  std::string control_group;  // ControlGroup: the unit's cgroup2 path as the manager sees it
  uint32_t n_restarts = 0;
  int32_t exec_main_status = 0;  // the exit code, or the signal when exec_main_code says so
  int32_t exec_main_code = 0;    // CLD_EXITED (1), CLD_KILLED (2), CLD_DUMPED (3); 0: none yet
  std::string result;            // the service's Result: success, exit-code, signal, timeout, ...
  std::optional<uint64_t> memory_max;  // nullopt: infinity
  std::optional<uint64_t> tasks_max;
  std::optional<uint64_t> cpu_quota_per_sec_usec;
};

class SystemdBus {
 public:
  virtual ~SystemdBus() = default;

  // StartTransientUnit with mode "fail", then waits until the start job has finished; an error
  // when the job did not end "done".
  [[nodiscard]] virtual common::Status startTransientUnit(const TransientUnit& unit) = 0;
  // Stops the unit, waits for the stop job, and clears a failed state so that the name is free
  // for a new transient unit. A unit that is not loaded is not an error.
  [[nodiscard]] virtual common::Status stopUnit(const std::string& name) = 0;
  // One unit's state; load_state "not-found" when there is none.
  [[nodiscard]] virtual common::Result<UnitState> unitState(const std::string& name) = 0;
  // Every loaded unit whose name starts with `prefix`, with its service properties.
  [[nodiscard]] virtual common::Result<std::vector<UnitState>> listUnits(
      const std::string& prefix) = 0;
  // Blocks until a unit's properties change (PropertiesChanged) or the timeout passes; true when
  // something changed. Lets a caller react to a crash without polling.
  [[nodiscard]] virtual common::Result<bool> waitForChange(std::chrono::milliseconds timeout) = 0;
};

}  // namespace photon::agent
