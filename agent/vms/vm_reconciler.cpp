#include "agent/vms/vm_reconciler.h"

#include <algorithm>
#include <filesystem>

#include "agent/core/state_file.h"
#include "agent/vms/qmp_protocol.h"
#include "agent/vms/vm_uids.h"
#include "common/error_context.h"
#include "common/json_dump.h"

namespace photon::agent {

using common::Json;

VmReconciler::VmReconciler(VmOptions options) : options_(std::move(options)) {
  if (!options_.runner) options_.runner = makeVmProcessRunner();
  if (!options_.connector) options_.connector = makeUnixQmpConnector(options_.qmp_timeout);
  if (!options_.clock) options_.clock = std::make_shared<common::SystemClock>();
  if (options_.qemu.accel.empty() || options_.qemu.accel == "auto") {
    options_.qemu.accel = probeAccelerator();
  }
  options_.plan.root_ports = options_.qemu.root_ports;
}

VmReconciler::~VmReconciler() = default;

common::Status VmReconciler::validate(const Json& section) const {
  if (section.is_null()) return {};
  PHOTON_CHECK(parseVmSection(section, options_.limits));
  return {};
}

void VmReconciler::shutdown() {
  // Workloads keep running: only our QMP connections close.
  for (auto& [name, vm] : vms_) vm.qmp.reset();
}

VmPaths VmReconciler::paths(const std::string& name) const {
  const VmSandbox& sb = options_.sandbox;
  if (!sb.enabled) return vmPaths(options_.state_dir, name);
  return vmPaths(
      options_.state_dir, name,
      (sb.runtime_root_local.empty() ? sb.runtime_root : sb.runtime_root_local) + "/" + name);
}

void VmReconciler::loadRecords() {
  loaded_ = true;
  std::error_code ec;
  std::filesystem::directory_iterator it(options_.state_dir + "/vms", ec);
  if (ec) return;
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    auto text = readFile(paths(name).state_file);
    if (!text) continue;
    Json j = Json::parse(*text, nullptr, false);
    auto record = parseVmRecord(j);
    Runtime& vm = vms_[name];
    if (record)
      vm.record = std::move(*record);
    else
      vm.error = "state file: " + record.error().message + ", ignoring";
  }
}

void VmReconciler::save(const std::string& name, Runtime& vm) {
  auto status = writeFileAtomic(paths(name).state_file, common::dumpJson(toJson(vm.record)), 0600);
  if (!status) vm.error = "save state: " + status.error().message;
}

void VmReconciler::connectQmp(const std::string& name, Runtime& vm) {
  auto channel = options_.connector->connect(paths(name).qmp_socket);
  if (!channel) {
    vm.error = channel.error().message;
    return;
  }
  vm.qmp = std::move(*channel);
  pumpConsole(name, vm);
  vm.qmp->subscribe([&vm](const QmpEvent& e) {
    if (e.name == "SHUTDOWN") {
      vm.shutdown_event = true;
      // QEMU's event data, read leniently: an older QEMU sends less.
      common::VmShutdown s;
      if (auto g = e.data.find("guest"); g != e.data.end() && g->is_boolean()) s.guest = *g;
      if (auto r = e.data.find("reason"); r != e.data.end() && r->is_string()) s.reason = *r;
      vm.last_shutdown = s;
    }
    if (e.name == "RESET") ++vm.reset_events;
    if (e.name == "DEVICE_DELETED") {
      std::string id = deletedDeviceId(e.data);
      if (!id.empty()) vm.deleted.insert(id);
    }
  });
}

// With QMP, at start and at adoption: the console of the QEMU that answered. A QEMU started
// before consoles went through a socket has none and writes its console.log itself.
void VmReconciler::pumpConsole(const std::string& name, Runtime& vm) {
  if (vm.console && vm.console->running()) return;
  vm.console.reset();
  ConsoleLimits limits;
  if (vm.record.booted) {
    limits.max_bytes = vm.record.booted->console_log_bytes;
    limits.files = static_cast<int>(vm.record.booted->console_log_files);
  }
  VmPaths files = paths(name);
  auto pump = ConsolePump::start(files.console_socket, files.console_log, limits);
  if (pump) vm.console = std::move(*pump);
}

common::Result<Json> VmReconciler::qmp(Runtime& vm, const std::string& command, const Json& args) {
  if (!vm.qmp)
    return common::fail(common::ErrorCode::kUnavailable, command + ": no QMP connection");
  auto r = vm.qmp->execute(command, args);
  if (!r && r.error().code == common::ErrorCode::kUnavailable) {
    // What the socket still holds is read before the connection goes: a QEMU that exits writes
    // its SHUTDOWN and closes, and a command sent after that fails (EPIPE) with the event unread.
    common::ignoreError(vm.qmp->pollEvents(std::chrono::milliseconds(0)),
                        "vms: read what a failed QMP connection still holds",
                        "the connection is dropped, as the command's error says");
    vm.qmp.reset();
  }
  return r;
}

VmObservation VmReconciler::observe(const std::string& name, Runtime& vm) {
  VmObservation o;
  VmProcessStatus s = options_.runner->status(name, vm.record.pid);
  // Events after the status: a QEMU found gone has written everything it will, its SHUTDOWN
  // sits in the socket. Read before the status, a SHUTDOWN written and a QEMU gone between the
  // two (a busy host) was dropped with the connection below, and a guest's own poweroff
  // reported without it.
  if (vm.qmp && !vm.qmp->pollEvents(std::chrono::milliseconds(0))) vm.qmp.reset();
  if (vm.record.pid != 0 || s.alive) {
    if (s.alive && !options_.sandbox.enabled) {
      // A pid reused by another program is not our QEMU. (A sandboxed VM's pid is its unit's
      // main process: no PID file or pid kept by the agent is trusted for it.)
      auto cmd = options_.runner->commandLine(s.pid);
      std::string socket = paths(name).qmp_socket;
      s.alive = std::any_of(cmd.begin(), cmd.end(), [&](const std::string& a) {
        return a.find(socket) != std::string::npos;
      });
    }
    if (s.alive && s.pid != vm.record.pid) {
      // Adopted through the unit (after an agent restart, or a record that lost the pid).
      vm.record.pid = s.pid;
      save(name, vm);
    }
    o.alive = s.alive;
    o.exited = !s.alive;
    o.clean_exit = vm.shutdown_event || (s.exit_known && s.exit_code == 0 && s.signal == 0);
  }
  if (!o.alive) {
    vm.qmp.reset();
    return o;
  }
  if (!vm.qmp) connectQmp(name, vm);  // adoption after an agent restart
  if (auto status = qmp(vm, "query-status")) {
    if (auto state = parseRunState(*status)) o.run_state = *state;
  }
  if (auto list = qmp(vm, "qom-list", Json{{"path", "/machine/peripheral"}})) {
    if (auto devices = parsePeripherals(*list)) o.devices = std::move(*devices);
  }
  o.deleted = vm.deleted;
  return o;
}

Json VmReconciler::reconcile(const Json& section) {
  return common::toJson(report(section));
}

common::VmsReport VmReconciler::report(const Json& section) {
  if (!loaded_) loadRecords();
  std::map<std::string, VmSpec> desired;
  bool keep_only = section.is_null();
  std::string section_error;
  if (!keep_only) {
    auto specs = parseVmSection(section, options_.limits);
    if (specs) {
      for (auto& s : *specs) desired.emplace(s.name, std::move(s));
    } else {
      // Refused: nothing reaches QEMU, what runs keeps running.
      keep_only = true;
      section_error = specs.error().field + ": " + specs.error().message;
    }
  }
  for (const auto& [name, spec] : desired) vms_.try_emplace(name);

  int64_t now = options_.clock->nowSeconds();
  std::vector<std::string> forgotten;
  for (auto& [name, vm] : vms_) {
    std::optional<VmSpec> want;
    if (auto it = desired.find(name); it != desired.end()) want = it->second;
    if (!keep_only) vm.error.clear();
    VmObservation observed = observe(name, vm);
    if (keep_only) continue;
    for (const auto& action : planVm(want, vm.record, observed, now, options_.plan)) {
      if (action.kind == VmActionKind::kForget) {
        // Its uid may come back to a later VM (vm_uids.h): its disks go back to root first, and
        // a VM whose disks could not be given back is kept until they are.
        if (auto released = disownDisks(vm.record); !released) {
          vm.error = "forget: " + released.error().message;
        } else {
          forgotten.push_back(name);
        }
        break;
      }
      if (auto status = apply(name, vm, want, action); !status) {
        vm.error += (vm.error.empty() ? "" : "; ") + toString(action.kind) +
                    (action.device.empty() ? "" : " " + action.device) + ": " +
                    status.error().message;
      }
    }
  }
  for (const auto& name : forgotten) {
    std::error_code ec;
    std::filesystem::remove_all(paths(name).dir, ec);
    std::filesystem::remove_all(paths(name).run_dir, ec);  // a sandboxed VM's socket directory
    vms_.erase(name);
  }

  common::VmsReport out{.accel = options_.qemu.accel, .error = section_error};
  for (auto& [name, vm] : vms_) {
    std::optional<VmSpec> want;
    if (auto it = desired.find(name); it != desired.end()) want = it->second;
    out.vms.push_back(reportVm(name, vm, want));
  }
  return out;
}

common::VmReport VmReconciler::reportVm(const std::string& name, Runtime& vm,
                                        const std::optional<VmSpec>& desired) {
  using common::VmStatus;
  VmObservation o = observe(name, vm);
  common::VmReport r{.name = name};
  // Alive: QEMU's run state (unknown until it answers); down: why it is held down ("shutdown",
  // "crashed"), else stopped.
  r.status = o.alive
                 ? common::parseEnum<VmStatus>(o.run_state).value_or(VmStatus::kUnknown)
                 : common::parseEnum<VmStatus>(vm.record.down_reason).value_or(VmStatus::kStopped);
  r.pid = o.alive ? vm.record.pid : 0;
  // Root ports are infrastructure, not the VM's devices.
  for (const auto& d : o.devices) {
    if (d.rfind("rp", 0) != 0 || d.find_first_not_of("0123456789", 2) != std::string::npos) {
      r.devices.push_back(d);
    }
  }
  r.pending_unplug.assign(vm.record.pending_unplug.begin(), vm.record.pending_unplug.end());
  r.restarts = vm.record.restarts;
  r.reset_events = vm.reset_events;
  if (desired && vm.record.booted && o.alive) {
    r.pending_restart = pendingRestartFields(*desired, *vm.record.booted);
  }
  r.last_shutdown = vm.last_shutdown;
  r.error = vm.error;
  return r;
}

std::unique_ptr<Reconciler> makeVmReconciler(VmOptions options) {
  return std::make_unique<VmReconciler>(std::move(options));
}

}  // namespace photon::agent
