#include "agent/units/container_check.h"

#include <array>
#include <string_view>

namespace photon::agent {
namespace {

// linux/capability.h, CAP_CHOWN (0) to CAP_CHECKPOINT_RESTORE (40), as setpriv names them.
// clang-format off
constexpr std::array<std::string_view, 41> kCapabilityNames = {
    "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid",
    "setpcap", "linux_immutable", "net_bind_service", "net_broadcast", "net_admin", "net_raw",
    "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot", "sys_ptrace", "sys_pacct",
    "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod",
    "lease", "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog",
    "wake_alarm", "block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore"};
// clang-format on

}  // namespace

std::vector<std::string> capabilityNames(uint64_t mask) {
  std::vector<std::string> out;
  for (size_t bit = 0; bit < kCapabilityNames.size(); ++bit) {
    if (mask & (uint64_t{1} << bit)) out.emplace_back(kCapabilityNames[bit]);
  }
  return out;
}

std::vector<std::string> containerCheckArgv(const ContainerCheck& check) {
  std::string bounding = "--bounding-set=-all";
  for (const auto& name : capabilityNames(check.bounding_caps)) bounding += ",+" + name;
  // nsenter's --setgid also clears the supplementary groups: the container's /etc/group is not
  // read. nsenter forks once more, so that the check is a process of the container's PID
  // namespace; it stays in the runner's process group, killed whole at the deadline. No
  // --target: nsenter opens every namespace, the root and the working directory (the
  // container's root too: never a directory outside it) from the descriptors, before it enters
  // any, so nothing is looked up by pid. They stay open in the check: all the container's own.
  auto fd = [](int n) { return "/proc/self/fd/" + std::to_string(n); };
  std::vector<std::string> argv = {check.setpriv,
                                   "--no-new-privs",
                                   bounding,
                                   "--",
                                   check.nsenter,
                                   "--mount=" + fd(check.fds.mnt),
                                   "--uts=" + fd(check.fds.uts),
                                   "--ipc=" + fd(check.fds.ipc),
                                   "--net=" + fd(check.fds.net),
                                   "--pid=" + fd(check.fds.pid),
                                   "--root=" + fd(check.fds.root),
                                   "--wd=" + fd(check.fds.root),
                                   "--setuid=" + std::to_string(check.as.uid),
                                   "--setgid=" + std::to_string(check.as.gid),
                                   "--"};
  argv.insert(argv.end(), check.exec.begin(), check.exec.end());
  return argv;
}

}  // namespace photon::agent
