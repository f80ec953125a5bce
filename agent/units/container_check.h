// The argument vector that runs a container instance's exec health check inside its container:
// nsenter joins the leader's mount, UTS, IPC, network and PID namespaces and its root through
// descriptors the agent opened while it held the leader (agent/units/container_entry.h; the
// check's child inherits them under the same numbers) and becomes the container's user; setpriv in
// front of it (on the host, before anything of the container's runs) sets no_new_privs and cuts the
// capability bounding set down to the container's own. The check's program comes from the
// container's file system: without that cut a check that is the container's root, or a set-uid
// program in its image, would hold capabilities the container's own processes do not
// (CAP_SYS_MODULE: a container escape).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "agent/units/container_user.h"

namespace photon::agent {

// Pure. setpriv's names ("sys_admin") of the capabilities in `mask`, lowest bit first; a bit
// without a name (a capability newer than this table) is left out, so it is dropped.
std::vector<std::string> capabilityNames(uint64_t mask);

struct ContainerCheck {
  std::string setpriv;  // absolute paths, on the host
  std::string nsenter;
  // The leader's namespaces and root, open in the agent and passed to the check's child.
  struct {
    int mnt = -1, uts = -1, ipc = -1, net = -1, pid = -1, root = -1;
  } fds;
  uint64_t bounding_caps = 0;  // the leader's CapBnd
  ContainerUser as;
  std::vector<std::string> exec;  // the check, resolved in the container
};

// Pure.
std::vector<std::string> containerCheckArgv(const ContainerCheck& check);

}  // namespace photon::agent
