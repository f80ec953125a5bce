#include "agent/vms/vm_plan.h"

#include <map>

#include "agent/vms/qemu_args.h"
#include "common/api/observed.h"

namespace photon::agent {
namespace {

using common::Json;

std::map<std::string, Json> desiredDevices(const VmSpec& spec) {
  std::map<std::string, Json> out;
  for (const auto& d : spec.disks) out[d.id] = toJson(d);
  for (const auto& n : spec.nics) out[n.id] = toJson(n);
  return out;
}

bool isDisk(const VmSpec& spec, const std::string& id) {
  for (const auto& d : spec.disks) {
    if (d.id == id) return true;
  }
  return false;
}

std::vector<VmAction> planStopped(bool removed, const VmRecord& record,
                                  const VmObservation& observed, int64_t now,
                                  const PlanSettings& settings) {
  if (!observed.alive) {
    // A planned exit, or a VM held down by its policy: forget the process and the hold.
    if (observed.exited || record.pid != 0 || !record.down_reason.empty()) {
      return {{VmActionKind::kExited}};
    }
    if (removed) return {{VmActionKind::kForget}};
    return {};
  }
  if (record.powerdown_at == 0) return {{VmActionKind::kPowerdown}};
  if (now - record.powerdown_at >= settings.stop_grace_seconds) return {{VmActionKind::kQuit}};
  return {};
}

void planDevices(const VmSpec& desired, const VmRecord& record, const VmObservation& observed,
                 const PlanSettings& settings, std::vector<VmAction>& out) {
  auto wanted = desiredDevices(desired);
  for (const auto& id : record.pending_unplug) {
    if (observed.deleted.count(id) || !observed.devices.count(id)) {
      out.push_back({VmActionKind::kFinishUnplug, id});
    }
  }
  for (const auto& [id, spec] : record.attached) {
    if (record.pending_unplug.count(id)) continue;
    auto it = wanted.find(id);
    // A changed device is unplugged; it comes back with its new spec once the old one is gone.
    if (it == wanted.end() || it->second != spec) out.push_back({VmActionKind::kUnplug, id});
  }
  std::set<std::string> used;
  for (const auto& [id, port] : record.ports) used.insert(port);
  int next = 1;
  auto freePort = [&]() -> std::string {
    for (; next <= settings.root_ports; ++next) {
      std::string port = rootPortId(next);
      if (!used.count(port)) {
        ++next;
        return port;
      }
    }
    return "";
  };
  for (const auto& [id, spec] : wanted) {
    // An id is never reused while its old device is pending unplug.
    if (record.attached.count(id) || record.pending_unplug.count(id)) continue;
    VmAction add{isDisk(desired, id) ? VmActionKind::kAddDisk : VmActionKind::kAddNic, id};
    add.port = freePort();
    if (add.port.empty()) add.reason = "no free root port";
    out.push_back(std::move(add));
  }
}

VmAction startAction(VmActionKind kind, const VmSpec& desired, const PlanSettings& settings) {
  VmAction start{kind};
  int next = 1;
  for (const auto& d : desired.disks) {
    if (next <= settings.root_ports) start.ports.emplace_back(d.id, rootPortId(next++));
  }
  for (const auto& n : desired.nics) {
    if (next <= settings.root_ports) start.ports.emplace_back(n.id, rootPortId(next++));
  }
  if (start.ports.size() < desired.disks.size() + desired.nics.size()) {
    start.reason = "no free root port";
  }
  return start;
}

}  // namespace

std::vector<VmAction> planVm(const std::optional<VmSpec>& desired, const VmRecord& record,
                             const VmObservation& observed, int64_t now,
                             const PlanSettings& settings) {
  if (!desired || desired->state == VmState::kStopped) {
    return planStopped(!desired, record, observed, now, settings);
  }
  if (!observed.alive) {
    bool unplanned = record.running_expected && (observed.exited || record.pid != 0);
    if (unplanned) {
      bool restart = desired->restart == RestartPolicy::kAlways ||
                     (desired->restart == RestartPolicy::kOnFailure && !observed.clean_exit);
      if (restart) return {startAction(VmActionKind::kRestart, *desired, settings)};
      VmAction hold{VmActionKind::kHoldDown};
      hold.reason = observed.clean_exit ? "shutdown" : "crashed";
      return {hold};
    }
    if (observed.exited || record.pid != 0) return {{VmActionKind::kExited}};
    if (!record.down_reason.empty()) return {};  // held down until the spec says stopped
    return {startAction(VmActionKind::kStart, *desired, settings)};
  }
  // Alive but being stopped: finish the stop; it starts again afterwards.
  if (record.powerdown_at != 0) return planStopped(false, record, observed, now, settings);

  std::vector<VmAction> out;
  const auto run_state = common::parseEnum<common::VmStatus>(observed.run_state);
  if (desired->state == VmState::kPaused && run_state == common::VmStatus::kRunning) {
    out.push_back({VmActionKind::kPause});
  }
  if (desired->state == VmState::kRunning &&
      (run_state == common::VmStatus::kPaused || run_state == common::VmStatus::kPrelaunch)) {
    out.push_back({VmActionKind::kResume});
  }
  if (desired->reset_generation > record.reset_generation) out.push_back({VmActionKind::kReset});
  planDevices(*desired, record, observed, settings, out);
  return out;
}

std::vector<std::string> pendingRestartFields(const VmSpec& desired, const VmSpec& booted) {
  std::vector<std::string> out;
  if (desired.cpus != booted.cpus) out.push_back("cpus");
  if (desired.memory_mib != booted.memory_mib) out.push_back("memory_mib");
  if (desired.machine != booted.machine) out.push_back("machine");
  if (desired.kernel != booted.kernel) out.push_back("kernel");
  if (desired.initrd != booted.initrd) out.push_back("initrd");
  if (desired.cmdline != booted.cmdline) out.push_back("cmdline");
  return out;
}

std::string toString(VmActionKind kind) {
  switch (kind) {
    case VmActionKind::kStart:
      return "start";
    case VmActionKind::kRestart:
      return "restart";
    case VmActionKind::kPowerdown:
      return "powerdown";
    case VmActionKind::kQuit:
      return "quit";
    case VmActionKind::kPause:
      return "pause";
    case VmActionKind::kResume:
      return "resume";
    case VmActionKind::kReset:
      return "reset";
    case VmActionKind::kAddDisk:
      return "add-disk";
    case VmActionKind::kAddNic:
      return "add-nic";
    case VmActionKind::kUnplug:
      return "unplug";
    case VmActionKind::kFinishUnplug:
      return "finish-unplug";
    case VmActionKind::kHoldDown:
      return "hold-down";
    case VmActionKind::kExited:
      return "exited";
    case VmActionKind::kForget:
      return "forget";
  }
  return "?";
}

}  // namespace photon::agent
