// The QEMU command line for a VM (pure) and the probe that picks the accelerator.
#pragma once

#include <string>
#include <vector>

#include "agent/vms/vm_spec.h"

namespace photon::agent {

// Where a VM's files live: <state_dir>/vms/<name>/. A sandboxed VM has its sockets and PID file
// in `run_dir` (<runtime_root>/<name>, owned by its uid with mode 0700, so that only it and the
// agent reach its QMP); a plain one has them in <dir> (where QEMUs started before
// sandboxing have them, so that an upgraded agent still adopts those).
struct VmPaths {
  std::string dir, run_dir, qmp_socket, pid_file, console_log, qemu_log, state_file;
  std::string console_socket;  // the serial console; the agent's pump writes console_log
};
VmPaths vmPaths(const std::string& state_dir, const std::string& name,
                const std::string& run_dir = "");

struct QemuSettings {
  std::string binary = "qemu-system-x86_64";
  std::string accel = "tcg";  // "kvm" or "tcg"
  int root_ports = 8;         // hot-plug slots: pcie-root-port ids rp1..rpN
  // Sandboxed: QEMU's own seccomp filter (no exec, no set*id, no obsolete or resource-control
  // calls). -runas cannot go with it: elevateprivileges=deny kills QEMU at its own setuid, so
  // the unit starts it as its uid (vm_unit_runner.h).
  bool sandbox = false;
};

std::string rootPortId(int index);  // 1-based: "rp1"

// Disks and NICs are cold-plugged behind the root ports named in `ports` (device id -> port id)
// so that they can be unplugged later like hot-plugged ones. `start_paused` adds -S.
std::vector<std::string> buildQemuArgs(
    const VmSpec& spec, const VmPaths& paths, const QemuSettings& settings,
    const std::vector<std::pair<std::string, std::string>>& ports, bool start_paused);

// QMP arguments for hot-plug, the same devices the command line creates.
common::Json blockdevAddArgs(const DiskSpec& disk);
common::Json diskDeviceArgs(const DiskSpec& disk, const std::string& port);
common::Json netdevAddArgs(const NicSpec& nic);
common::Json nicDeviceArgs(const NicSpec& nic, const std::string& port);
std::string qemuNodeName(const std::string& device_id);  // blockdev node / netdev id: "photon-<id>"

// "kvm" when /dev/kvm really runs a VM (it opens, speaks API 12 and creates a VM and a vCPU),
// else "tcg". A /dev/kvm without hardware virtualisation behind it fails at KVM_CREATE_VM.
std::string probeAccelerator(const std::string& dev_kvm = "/dev/kvm");

}  // namespace photon::agent
