// Finds the process an instance's exec health check joins: a process instance's main process,
// whose cgroup the check starts in (agent/units/unit_cgroup.h), or a container instance's
// leader, whose namespaces it enters (agent/units/container_check.h) and whose cgroup it starts
// in. A container instance is a unit whose main process is systemd-nspawn
// (agent/units/unit_render.cpp); nspawn's child is the container's PID 1, the "leader", in a leaf
// cgroup inside nspawn's payload (the unit's own cgroup is not a leaf: nspawn has children in it).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "agent/units/systemd_bus.h"
#include "common/result.h"

namespace photon::agent {

// What the health check needs from /proc/<pid>/status.
struct ProcStatus {
  int ns_depth = 0;             // how many PID namespaces the NSpid line lists
  int64_t ns_pid = 0;           // the pid in the innermost of them
  uint64_t bounding_caps = 0;   // CapBnd
  uint64_t effective_caps = 0;  // CapEff
};

// Pure. Fields not present stay zero.
ProcStatus parseProcStatus(std::string_view status);

// Reads /proc: the leader of the container systemd-nspawn `nspawn_pid` runs; kUnavailable while
// it has none (starting, or stopping).
[[nodiscard]] common::Result<pid_t> containerLeaderOf(pid_t nspawn_pid);

// A process of a unit, as this process sees it: its pid and its cgroup2 path, checked to lie
// within the unit's own cgroup.
struct UnitProcess {
  pid_t pid = 0;
  std::string cgroup;
};

class UnitLocator {
 public:
  virtual ~UnitLocator() = default;
  // Thread-safe, both: the health monitor's workers call them at once. kUnavailable while the
  // unit has no such process (stopped, starting, or it has just ended).
  // The unit's main process (a process instance's service).
  [[nodiscard]] virtual common::Result<UnitProcess> mainProcessOf(const std::string& unit) = 0;
  // The leader of the container the unit runs.
  [[nodiscard]] virtual common::Result<UnitProcess> leaderOf(const std::string& unit) = 0;
};

// How the manager's pids and cgroups read in this process. Both unset on a node, where the agent
// shares systemd's PID and cgroup namespaces; tests reach a systemd booted in nspawn from
// outside it.
struct ManagerView {
  std::function<pid_t(pid_t)> local_pid;  // a pid as the manager sees it -> ours (0: none)
  std::string cgroup_root;                // where the manager's cgroup "/" is in ours
};

// Asks systemd for the unit's MainPID and ControlGroup over its own bus connection (sd-bus
// connections are not shared between threads; the reconciler has its own).
std::unique_ptr<UnitLocator> makeBusUnitLocator(std::unique_ptr<SystemdBus> bus,
                                                ManagerView view = {});

}  // namespace photon::agent
