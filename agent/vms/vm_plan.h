// The VM plan: a pure function from the desired spec, the agent's record and what QEMU shows
// now, to the steps that move one VM towards the spec.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/vms/vm_record.h"
#include "agent/vms/vm_spec.h"

namespace photon::agent {

struct VmObservation {
  bool alive = false;       // the QEMU process runs
  bool exited = false;      // it ended since the last look
  bool clean_exit = false;  // ...after a SHUTDOWN event or with exit code 0
  std::string run_state;    // query-status ("running", "paused", "prelaunch", ...); "" unknown
  std::set<std::string> devices;  // device ids present (qom-list /machine/peripheral)
  std::set<std::string> deleted;  // ids whose DEVICE_DELETED arrived
};

enum class VmActionKind {
  kStart,         // boot with the desired spec; `ports` maps each device to its root port
  kRestart,       // same, after an unplanned exit, counted
  kPowerdown,     // system_powerdown
  kQuit,          // quit, after the grace period
  kPause,         // stop
  kResume,        // cont
  kReset,         // system_reset
  kAddDisk,       // blockdev-add + device_add virtio-blk-pci on `port`
  kAddNic,        // netdev_add + device_add virtio-net-pci on `port`
  kUnplug,        // device_del: the device is pending until its DEVICE_DELETED
  kFinishUnplug,  // blockdev-del / netdev_del once it is gone
  kHoldDown,      // an unplanned exit the restart policy does not restart: `reason`
  kExited,        // a planned exit: forget the process
  kForget,        // no longer desired and stopped: remove its state
};

struct VmAction {
  VmActionKind kind;
  std::string device;                                      // device actions
  std::string port;                                        // kAddDisk / kAddNic
  std::vector<std::pair<std::string, std::string>> ports;  // kStart / kRestart
  std::string reason;  // kHoldDown: "crashed" / "shutdown"; errors such as "no free root port"
};

struct PlanSettings {
  int root_ports = 8;
  int64_t stop_grace_seconds = 30;
};

// `desired` is empty when the VM is no longer in the section.
std::vector<VmAction> planVm(const std::optional<VmSpec>& desired, const VmRecord& record,
                             const VmObservation& observed, int64_t now,
                             const PlanSettings& settings);

// The fields whose change waits for the next boot ("cpus", "memory_mib", "kernel", ...).
std::vector<std::string> pendingRestartFields(const VmSpec& desired, const VmSpec& booted);

std::string toString(VmActionKind kind);

}  // namespace photon::agent
