#include "agent/vms/vm_unit_runner.h"

#include <linux/capability.h>

#include "agent/core/program_path.h"
#include "common/api/observed.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;

class UnitRunner final : public VmProcessRunner {
 public:
  UnitRunner(std::shared_ptr<SystemdBus> bus, VmUnitOptions options)
      : bus_(std::move(bus)), options_(std::move(options)) {
    if (!options_.local_pid) options_.local_pid = [](pid_t p) { return p; };
  }

  common::Result<pid_t> spawn(const VmLaunch& launch) override {
    if (launch.argv.empty()) return common::invalid("argv", "is empty");
    // systemd's ExecStart needs an absolute path, and setpriv exec's QEMU by its path.
    VmLaunch resolved = launch;
    resolved.argv.front() = resolveProgram(launch.argv.front());
    if (resolved.argv.front().empty()) {
      return common::invalid("qemu.binary", launch.argv.front() + " not found in PATH");
    }
    std::string setpriv = resolveProgram(options_.setpriv);
    if (setpriv.empty()) return common::invalid("setpriv", options_.setpriv + " not found in PATH");
    TransientUnit unit = vmUnit(resolved, setpriv);
    // A failed unit of the last QEMU keeps the name until it is reset.
    PHOTON_CHECK(bus_->stopUnit(unit.name));
    PHOTON_CHECK(bus_->startTransientUnit(unit));
    VmProcessStatus s = status(launch.name, 0);
    if (!s.alive) {
      return fail(ErrorCode::kInternal, unit.name + " exited at start, see " + launch.log_path);
    }
    return s.pid;
  }

  VmProcessStatus status(const std::string& name, pid_t) override {
    VmProcessStatus s;
    auto state = bus_->unitState(vmUnitName(name));
    if (!state) return s;  // the bus is down: not known to be alive
    using common::InstanceState;
    const auto a = common::parseEnum<InstanceState>(state->active_state);
    if ((a == InstanceState::kActive || a == InstanceState::kActivating ||
         a == InstanceState::kDeactivating || a == InstanceState::kReloading) &&
        state->main_pid != 0) {
      s.pid = options_.local_pid(static_cast<pid_t>(state->main_pid));
      s.alive = s.pid > 0;
      return s;
    }
    if (a == InstanceState::kFailed) {
      // Left loaded by systemd so that the ending can be read; the next spawn resets it.
      s.exit_known = true;
      if (state->exec_main_code == 2 || state->exec_main_code == 3) {
        s.signal = state->exec_main_status;
      } else {
        s.exit_code = state->exec_main_status != 0 ? state->exec_main_status : 1;
      }
    }
    // Gone (a clean exit unloads a transient unit): how it ended is unknown here; a guest's
    // shutdown is known from its SHUTDOWN event.
    return s;
  }

  common::Status kill(pid_t pid, int signal) override { return killProcess(pid, signal); }

  common::Result<int> run(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout) override {
    return plain_->run(argv, timeout);
  }

  std::vector<std::string> commandLine(pid_t pid) override { return processCommandLine(pid); }

 private:
  std::shared_ptr<SystemdBus> bus_;
  VmUnitOptions options_;
  std::unique_ptr<VmProcessRunner> plain_ = makeVmProcessRunner();
};

}  // namespace

std::string vmUnitName(const std::string& vm) {
  return "photon-vm-" + vm + ".service";
}

std::vector<std::string> setprivArgv(const VmLaunch& launch, const std::string& setpriv) {
  std::string groups;
  for (uint32_t g : launch.groups) groups += (groups.empty() ? "" : ",") + std::to_string(g);
  std::vector<std::string> argv = {setpriv,
                                   "--reuid=" + std::to_string(launch.uid),
                                   "--regid=" + std::to_string(launch.gid),
                                   groups.empty() ? "--clear-groups" : "--groups=" + groups,
                                   "--inh-caps=-all",
                                   "--bounding-set=-all",
                                   "--"};
  argv.insert(argv.end(), launch.argv.begin(), launch.argv.end());
  return argv;
}

TransientUnit vmUnit(const VmLaunch& launch, const std::string& setpriv) {
  TransientUnit u;
  u.name = vmUnitName(launch.name);
  u.description = "Photon VM " + launch.name;
  u.exec_start = setprivArgv(launch, setpriv);
  // The agent decides about restarts (the VM's restart policy), not systemd.
  u.restart = "no";
  if (launch.memory_max > 0) u.memory_max = launch.memory_max;
  if (launch.tasks_max > 0) u.tasks_max = launch.tasks_max;
  u.device_policy = "closed";  // plus the pseudo devices (/dev/null, /dev/urandom, ...)
  u.device_allow = {{"/dev/kvm", "rw"}, {"/dev/net/tun", "rw"}};
  // Only what setpriv needs to become the VM's uid and drop the rest; QEMU has none.
  u.capability_bounding_set = (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID) | (1ULL << CAP_SETPCAP);
  u.no_new_privileges = true;
  u.protect_system = "full";
  u.protect_home = "read-only";
  u.standard_output_append = launch.log_path;
  u.standard_error_append = launch.log_path;
  return u;
}

QemuGroups qemuGroups(const std::function<std::optional<uint32_t>(const std::string&)>& lookup) {
  if (auto kvm = lookup("kvm")) return {{*kvm}, ""};
  return {{},
          "no group kvm on this node: a sandboxed QEMU runs as its VM's uid with no group that "
          "may open /dev/kvm, so a VM with KVM acceleration fails to start; create a kvm group, "
          "make /dev/kvm root:kvm 0660 (udev) and restart the agent"};
}

std::unique_ptr<VmProcessRunner> makeVmUnitRunner(std::shared_ptr<SystemdBus> bus,
                                                  VmUnitOptions options) {
  return std::make_unique<UnitRunner>(std::move(bus), std::move(options));
}

}  // namespace photon::agent
