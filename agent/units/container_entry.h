// A container's leader held while its exec health check is set up (agent/units/container_check.h):
// the leader by a pidfd, its namespaces and root by open file descriptors, its cgroup by an open
// directory. The check enters through those descriptors (nsenter --mount=/proc/self/fd/N …),
// never through /proc/<pid>/… paths resolved later, and the leader is confirmed alive through its
// pidfd after they were all opened: a pid recycled between the lookup and the check cannot
// redirect the check into another process's namespaces.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/core/unique_fd.h"
#include "agent/units/container_user.h"
#include "agent/units/unit_locator.h"
#include "common/result.h"

namespace photon::agent {

struct HeldContainer {
  UniqueFd pidfd;
  UniqueFd mnt, uts, ipc, net, pid, root;  // O_CLOEXEC; handed to the check's child by number
  UniqueFd cgroup;                         // the leader's cgroup, for runInCgroup
  uint64_t bounding_caps = 0;              // the leader's CapBnd
  ContainerUser as;                        // the check's user, from the container's passwd

  // The descriptors the check's child inherits (nsenter opens them as /proc/self/fd/N).
  std::vector<int> passed() const;
};

// Holds `leader` (found by a UnitLocator, its cgroup validated within its unit): a pidfd first;
// then who the pid is now (PID 1 of a nested PID namespace, still within `leader.cgroup`), its
// namespaces, root and cgroup, and `user` ("": root) in the container's passwd, read through
// that root; last, through the pidfd, that it still lives, so everything read was of it.
// kUnavailable when it has gone at any point.
[[nodiscard]] common::Result<HeldContainer> holdContainer(const UnitProcess& leader,
                                                          const std::string& user);

}  // namespace photon::agent
