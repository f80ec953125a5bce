// The sandboxed process adapter: each VM's QEMU runs in a transient systemd unit of its own,
// photon-vm-<name>.service, started over the units domain's sd-bus client. The unit gives it a
// cgroup with MemoryMax/TasksMax, a device policy that allows only /dev/kvm and /dev/net/tun, a
// read-only /usr and /etc, and the VM's own uid and gid: setpriv (util-linux) takes them, drops
// every capability (bounding set included) and exec's QEMU, so the unit's main process is QEMU
// with no capability and no user record is needed. The unit, not a PID file, is what an agent
// restart adopts.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/units/systemd_bus.h"
#include "agent/vms/vm_process.h"

namespace photon::agent {

struct VmUnitOptions {
  std::string setpriv = "setpriv";  // looked up in PATH when not absolute
  // The manager's PIDs as this process sees them; identity unless the manager lives in another
  // PID namespace (the tests' systemd in systemd-nspawn).
  std::function<pid_t(pid_t)> local_pid;
};

std::string vmUnitName(const std::string& vm);  // "photon-vm-<vm>.service"

// The unit QEMU is started in, through `setpriv` (an absolute path) as the launch's uid and gid
// (pure, for the tests to look at).
TransientUnit vmUnit(const VmLaunch& launch, const std::string& setpriv);
std::vector<std::string> setprivArgv(const VmLaunch& launch, const std::string& setpriv);

// The supplementary groups a sandboxed QEMU gets: kvm's, since /dev/kvm is root:kvm 0660 and
// the VM's uid has no user record to be a member through. `lookup` finds a group's gid by name
// (getgrnam on a node). Without a kvm group there are none, and `warning` says what follows
// and what to do.
struct QemuGroups {
  std::vector<uint32_t> groups;
  std::string warning;  // "" when kvm's group was found
};
QemuGroups qemuGroups(const std::function<std::optional<uint32_t>(const std::string&)>& lookup);

std::unique_ptr<VmProcessRunner> makeVmUnitRunner(std::shared_ptr<SystemdBus> bus,
                                                  VmUnitOptions options = {});

}  // namespace photon::agent
