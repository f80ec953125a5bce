// Finds the process a container instance's payload lives under, so that its exec health check
// can enter that container's namespaces (agent/units/container_check.h). A container instance is
// a unit whose main process is systemd-nspawn (agent/units/unit_render.cpp); nspawn's child is
// the container's PID 1, the "leader" whose namespaces are the container's.
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

class ContainerLocator {
 public:
  virtual ~ContainerLocator() = default;
  // The host pid of the leader of the container the unit runs. Thread-safe: the health
  // monitor's workers call it at once.
  [[nodiscard]] virtual common::Result<pid_t> leaderOf(const std::string& unit) = 0;
};

// Asks systemd for the unit's MainPID over its own bus connection (sd-bus connections are not
// shared between threads; the reconciler has its own). `local_pid` maps a pid as the manager
// sees it to one in this process's PID namespace: unset on a node, where the agent shares
// systemd's; tests reach a systemd booted in nspawn from outside it.
std::unique_ptr<ContainerLocator> makeBusContainerLocator(
    std::unique_ptr<SystemdBus> bus, std::function<pid_t(pid_t)> local_pid = {});

}  // namespace photon::agent
