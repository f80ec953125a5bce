#include "agent/vms/qemu_args.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <memory>

#include "agent/core/unique_fd.h"
#include "common/json_dump.h"

namespace photon::agent {
namespace {

using common::Json;

// -blockdev / -netdev / -device take the same keys as QMP; a JSON argument keeps the quoting
// of paths exact (no comma escaping).
std::string netdevOption(const NicSpec& nic) {
  std::string opt = nic.kind + ",id=" + qemuNodeName(nic.id);
  if (nic.kind == "tap") opt += ",ifname=" + nic.ifname + ",script=no,downscript=no";
  if (nic.kind == "bridge") opt += ",br=" + nic.ifname;
  return opt;
}

}  // namespace

VmPaths vmPaths(const std::string& state_dir, const std::string& name, const std::string& run_dir) {
  std::string dir = state_dir + "/vms/" + name;
  std::string run = run_dir.empty() ? dir : run_dir;
  return {dir,
          run,
          run + "/qmp.sock",
          run + "/qemu.pid",
          dir + "/console.log",
          dir + "/qemu.log",
          dir + "/vm.json",
          run + "/console.sock"};
}

std::string rootPortId(int index) {
  return "rp" + std::to_string(index);
}

std::string qemuNodeName(const std::string& device_id) {
  return "photon-" + device_id;
}

Json blockdevAddArgs(const DiskSpec& disk) {
  return {{"node-name", qemuNodeName(disk.id)},
          {"driver", disk.format},
          {"file", {{"driver", "file"}, {"filename", disk.path}}}};
}

Json diskDeviceArgs(const DiskSpec& disk, const std::string& port) {
  return {{"driver", "virtio-blk-pci"},
          {"id", disk.id},
          {"drive", qemuNodeName(disk.id)},
          {"bus", port}};
}

Json netdevAddArgs(const NicSpec& nic) {
  Json j = {{"type", nic.kind}, {"id", qemuNodeName(nic.id)}};
  if (nic.kind == "tap") {
    j["ifname"] = nic.ifname;
    j["script"] = "no";
    j["downscript"] = "no";
  }
  if (nic.kind == "bridge") j["br"] = nic.ifname;
  return j;
}

Json nicDeviceArgs(const NicSpec& nic, const std::string& port) {
  return {{"driver", "virtio-net-pci"},
          {"id", nic.id},
          {"netdev", qemuNodeName(nic.id)},
          {"mac", nic.mac},
          {"bus", port}};
}

std::vector<std::string> buildQemuArgs(
    const VmSpec& spec, const VmPaths& paths, const QemuSettings& settings,
    const std::vector<std::pair<std::string, std::string>>& ports, bool start_paused) {
  std::vector<std::string> a = {
      settings.binary, "-name", spec.name, "-machine", spec.machine + ",accel=" + settings.accel,
      "-smp", std::to_string(spec.cpus), "-m", std::to_string(spec.memory_mib), "-nodefaults",
      "-display", "none", "-qmp", "unix:" + paths.qmp_socket + ",server=on,wait=off", "-pidfile",
      paths.pid_file,
      // Not a file QEMU grows without end: a socket that drops the
      // bytes while no one reads, pumped into a rotated log
      // (agent/vms/console_log.h).
      "-chardev", "socket,id=console,path=" + paths.console_socket + ",server=on,wait=off",
      "-serial", "chardev:console"};
  if (start_paused) a.push_back("-S");
  if (settings.sandbox) {
    a.insert(a.end(), {"-sandbox",
                       "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny"});
  }
  if (!spec.kernel.empty()) {
    a.insert(a.end(), {"-kernel", spec.kernel});
    if (!spec.initrd.empty()) a.insert(a.end(), {"-initrd", spec.initrd});
    if (!spec.cmdline.empty()) a.insert(a.end(), {"-append", spec.cmdline});
  }
  for (int i = 1; i <= settings.root_ports; ++i) {
    a.insert(a.end(), {"-device", "pcie-root-port,id=" + rootPortId(i) + ",chassis=" +
                                      std::to_string(i) + ",slot=" + std::to_string(i)});
  }
  auto portOf = [&](const std::string& id) {
    for (const auto& [dev, port] : ports) {
      if (dev == id) return port;
    }
    return std::string();
  };
  for (const auto& disk : spec.disks) {
    std::string port = portOf(disk.id);
    if (port.empty()) continue;  // no free port: the reconciler reports it
    a.insert(a.end(), {"-blockdev", common::dumpJson(blockdevAddArgs(disk)), "-device",
                       common::dumpJson(diskDeviceArgs(disk, port))});
  }
  for (const auto& nic : spec.nics) {
    std::string port = portOf(nic.id);
    if (port.empty()) continue;
    a.insert(a.end(),
             {"-netdev", netdevOption(nic), "-device", common::dumpJson(nicDeviceArgs(nic, port))});
  }
  return a;
}

std::string probeAccelerator(const std::string& dev_kvm) {
  UniqueFd kvm(::open(dev_kvm.c_str(), O_RDWR | O_CLOEXEC));
  if (!kvm.valid() || ::ioctl(kvm.get(), KVM_GET_API_VERSION, 0) != KVM_API_VERSION) return "tcg";
  UniqueFd vm(::ioctl(kvm.get(), KVM_CREATE_VM, 0));
  if (!vm.valid()) return "tcg";
  UniqueFd vcpu(::ioctl(vm.get(), KVM_CREATE_VCPU, 0));
  if (!vcpu.valid()) return "tcg";
  return "kvm";
}

}  // namespace photon::agent
