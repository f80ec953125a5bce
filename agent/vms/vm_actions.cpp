// VmReconciler::apply: each planned step through the process and QMP adapters.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include <filesystem>
#include <thread>

#include "agent/vms/vm_reconciler.h"
#include "agent/vms/vm_uids.h"
#include "common/error_context.h"

namespace photon::agent {

using common::ErrorCode;
using common::fail;
using common::Json;

namespace {

bool isNotFound(const common::Error& e) {
  return e.message.find("DeviceNotFound") != std::string::npos ||
         e.message.find("not found") != std::string::npos;
}

common::Status asStatus(const common::Result<Json>& r) {
  if (!r) return std::unexpected(r.error());
  return {};
}

}  // namespace

common::Status VmReconciler::ensureDisk(const DiskSpec& disk) {
  std::error_code ec;
  if (std::filesystem::exists(disk.path, ec) || disk.size_gib <= 0) return {};
  PHOTON_TRY(int code, options_.runner->run({"qemu-img", "create", "-q", "-f", disk.format,
                                             disk.path, std::to_string(disk.size_gib) + "G"},
                                            std::chrono::seconds(30)));
  if (code != 0) {
    return fail(ErrorCode::kInternal,
                "qemu-img create " + disk.path + " exited " + std::to_string(code));
  }
  return {};
}

// A sandboxed QEMU reads and writes its disks as its VM's uid: each disk is handed to it (0600),
// and no other VM's QEMU can open it.
common::Status VmReconciler::ownDisk(const DiskSpec& disk, const VmRecord& record) {
  if (!options_.sandbox.enabled) return {};
  if (record.uid == 0) {
    // Adopted from an agent before per-VM uids: its QEMU runs as the old shared user, and a
    // disk handed to uid 0 would be one it cannot open.
    const std::string why =
        "this VM's QEMU runs as the shared user of an agent before per-VM uids and cannot open " +
        disk.path;
    return fail(ErrorCode::kConflict, why + ": restart the VM to give it its own uid");
  }
  return ownDiskFile(disk.path, record.uid);
}

common::Status VmReconciler::prepareSandbox(const std::string& name, Runtime& vm) {
  const VmSandbox& sb = options_.sandbox;
  if (vm.record.uid == 0) {
    std::set<uint32_t> taken;
    for (const auto& [other, runtime] : vms_) {
      if (other != name && runtime.record.uid != 0) taken.insert(runtime.record.uid);
    }
    PHOTON_TRY(vm.record.uid, allocateVmUid(options_.state_dir + "/vm-uid-next", taken, sb.uid_base,
                                            sb.uid_count));
  }
  // The root is traversable (0711) for every VM's uid; each VM's directory is its own (0700).
  const std::string dir = paths(name).run_dir;
  const std::string root = std::filesystem::path(dir).parent_path().string();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::kUnavailable, "create " + dir + ": " + ec.message());
  if (::chmod(root.c_str(), 0711) != 0 || ::chown(dir.c_str(), vm.record.uid, vm.record.uid) != 0 ||
      ::chmod(dir.c_str(), 0700) != 0) {
    return fail(
        ErrorCode::kUnavailable,
        "hand " + dir + " to uid " + std::to_string(vm.record.uid) + ": " + std::strerror(errno));
  }
  return {};
}

common::Status VmReconciler::start(const std::string& name, Runtime& vm, const VmSpec& spec,
                                   const VmAction& action) {
  if (!action.reason.empty()) return fail(ErrorCode::kInvalid, action.reason);
  VmPaths paths = this->paths(name);
  std::error_code ec;
  std::filesystem::create_directories(paths.dir, ec);
  if (ec) return fail(ErrorCode::kUnavailable, "create " + paths.dir + ": " + ec.message());
  QemuSettings settings = options_.qemu;
  VmPaths qemu_paths = paths;  // the same files as QEMU names them
  if (options_.sandbox.enabled) {
    settings.sandbox = true;
    qemu_paths = vmPaths(options_.state_dir, name, options_.sandbox.runtime_root + "/" + name);
  }
  if (options_.sandbox.enabled) PHOTON_CHECK(prepareSandbox(name, vm));
  if (options_.sandbox.enabled) {
    // A disk the last boot had that this one does not (removed from the spec, or hot-plugged
    // and not re-declared) is forgotten by the record below: root's again first.
    std::set<std::string> kept;
    for (const auto& disk : spec.disks) kept.insert(disk.path);
    PHOTON_CHECK(disownDroppedDisks(vm.record, kept));
  }
  for (const auto& disk : spec.disks) {
    PHOTON_CHECK(ensureDisk(disk));
    PHOTON_CHECK(ownDisk(disk, vm.record));
  }
  // A stale socket of a dead QEMU would take our connect; QEMU makes a new one.
  std::filesystem::remove(paths.qmp_socket, ec);
  std::filesystem::remove(paths.console_socket, ec);
  std::filesystem::remove(paths.pid_file, ec);
  vm.console.reset();
  VmLaunch launch;
  launch.name = name;
  launch.argv =
      buildQemuArgs(spec, qemu_paths, settings, action.ports, spec.state == VmState::kPaused);
  launch.log_path = paths.qemu_log;
  if (options_.sandbox.enabled) {
    launch.memory_max =
        static_cast<uint64_t>(spec.memory_mib + options_.sandbox.memory_overhead_mib) << 20;
    launch.tasks_max = static_cast<uint64_t>(spec.cpus + options_.sandbox.tasks_overhead);
    launch.uid = vm.record.uid;
    launch.gid = vm.record.uid;
    launch.groups = options_.sandbox.groups;
  }
  PHOTON_TRY(pid_t pid, options_.runner->spawn(launch));

  vm.qmp.reset();
  vm.deleted.clear();
  vm.shutdown_event = false;
  VmRecord& r = vm.record;
  r.pid = pid;
  r.booted = spec;
  r.running_expected = true;
  r.down_reason.clear();
  r.powerdown_at = 0;
  r.reset_generation = spec.reset_generation;  // a fresh boot satisfies any reset asked for
  if (action.kind == VmActionKind::kRestart) ++r.restarts;
  r.attached.clear();
  r.ports.clear();
  r.pending_unplug.clear();
  for (const auto& d : spec.disks) r.attached[d.id] = toJson(d);
  for (const auto& n : spec.nics) r.attached[n.id] = toJson(n);
  for (const auto& [id, port] : action.ports) r.ports[id] = port;
  save(name, vm);

  // QMP ready: QEMU creates its socket early in start-up; retry until it answers or exits.
  auto deadline = std::chrono::steady_clock::now() + options_.qmp_ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!options_.runner->status(name, pid).alive) {
      return fail(ErrorCode::kInternal, "QEMU exited at start, see " + paths.qemu_log);
    }
    if (std::filesystem::exists(paths.qmp_socket, ec)) {
      connectQmp(name, vm);
      if (vm.qmp) return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return fail(ErrorCode::kUnavailable, "QMP socket did not answer in time");
}

common::Status VmReconciler::addDevice(Runtime& vm, const VmSpec& spec, const VmAction& action) {
  if (!action.reason.empty()) return fail(ErrorCode::kConflict, action.reason);
  Json device_args;
  Json record;
  if (action.kind == VmActionKind::kAddDisk) {
    auto disk = std::find_if(spec.disks.begin(), spec.disks.end(),
                             [&](const DiskSpec& d) { return d.id == action.device; });
    PHOTON_CHECK(ensureDisk(*disk));
    PHOTON_CHECK(ownDisk(*disk, vm.record));
    PHOTON_CHECK(qmp(vm, "blockdev-add", blockdevAddArgs(*disk)));
    device_args = diskDeviceArgs(*disk, action.port);
    record = toJson(*disk);
    if (auto added = qmp(vm, "device_add", device_args); !added) {
      common::ignoreError(qmp(vm, "blockdev-del", Json{{"node-name", qemuNodeName(disk->id)}}),
                          "vms: remove the block node of disk " + disk->id,
                          "its device_add failed, which is the error returned");
      return std::unexpected(added.error());
    }
  } else {
    auto nic = std::find_if(spec.nics.begin(), spec.nics.end(),
                            [&](const NicSpec& n) { return n.id == action.device; });
    PHOTON_CHECK(qmp(vm, "netdev_add", netdevAddArgs(*nic)));
    device_args = nicDeviceArgs(*nic, action.port);
    record = toJson(*nic);
    if (auto added = qmp(vm, "device_add", device_args); !added) {
      common::ignoreError(qmp(vm, "netdev_del", Json{{"id", qemuNodeName(nic->id)}}),
                          "vms: remove the netdev of NIC " + nic->id,
                          "its device_add failed, which is the error returned");
      return std::unexpected(added.error());
    }
  }
  vm.record.attached[action.device] = record;
  vm.record.ports[action.device] = action.port;
  return {};
}

common::Status VmReconciler::finishUnplug(Runtime& vm, const std::string& id) {
  auto it = vm.record.attached.find(id);
  bool disk = it != vm.record.attached.end() && it->second.contains("path");
  auto r = disk ? qmp(vm, "blockdev-del", Json{{"node-name", qemuNodeName(id)}})
                : qmp(vm, "netdev_del", Json{{"id", qemuNodeName(id)}});
  // Already gone (e.g. finished before an agent restart) is done too.
  if (!r && !isNotFound(r.error())) return std::unexpected(r.error());
  // Out of QEMU: the disk is root's again before the record forgets it (a failure is retried
  // with the unplug, which then finds the device gone).
  if (disk && options_.sandbox.enabled && vm.record.uid != 0 && it->second["path"].is_string()) {
    PHOTON_CHECK(disownDisk(it->second["path"].get<std::string>(), vm.record.uid));
  }
  vm.record.attached.erase(id);
  vm.record.ports.erase(id);
  vm.record.pending_unplug.erase(id);
  vm.deleted.erase(id);
  return {};
}

common::Status VmReconciler::apply(const std::string& name, Runtime& vm,
                                   const std::optional<VmSpec>& desired, const VmAction& action) {
  VmRecord& r = vm.record;
  common::Status status;
  // planVm plans a start, a reset and a new device only for a desired VM: the NOLINTs below.
  switch (action.kind) {
    case VmActionKind::kStart:
    case VmActionKind::kRestart:
      return start(name, vm, *desired, action);  // NOLINT(bugprone-unchecked-optional-access)
    case VmActionKind::kPowerdown:
      r.running_expected = false;
      r.powerdown_at = options_.clock->nowSeconds();
      status = asStatus(qmp(vm, "system_powerdown"));
      break;
    case VmActionKind::kQuit:
      if (!qmp(vm, "quit")) status = options_.runner->kill(r.pid, SIGKILL);
      break;
    case VmActionKind::kPause:
      status = asStatus(qmp(vm, "stop"));
      break;
    case VmActionKind::kResume:
      status = asStatus(qmp(vm, "cont"));
      break;
    case VmActionKind::kReset:
      status = asStatus(qmp(vm, "system_reset"));
      if (status) {
        r.reset_generation =
            desired->reset_generation;  // NOLINT(bugprone-unchecked-optional-access)
      }
      break;
    case VmActionKind::kAddDisk:
    case VmActionKind::kAddNic:
      status = addDevice(vm, *desired, action);  // NOLINT(bugprone-unchecked-optional-access)
      break;
    case VmActionKind::kUnplug: {
      auto del = qmp(vm, "device_del", Json{{"id", action.device}});
      if (del || isNotFound(del.error())) {
        r.pending_unplug.insert(action.device);
        if (!del) vm.deleted.insert(action.device);
      } else {
        status = std::unexpected(del.error());
      }
      break;
    }
    case VmActionKind::kFinishUnplug:
      status = finishUnplug(vm, action.device);
      break;
    case VmActionKind::kHoldDown:
    case VmActionKind::kExited:
      r.pid = 0;
      r.running_expected = false;
      r.powerdown_at = 0;
      r.down_reason = action.kind == VmActionKind::kHoldDown ? action.reason : "";
      vm.qmp.reset();
      break;
    case VmActionKind::kForget:
      break;
  }
  save(name, vm);
  return status;
}

}  // namespace photon::agent
