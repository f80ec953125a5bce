// The "vms" reconciler: QEMU processes driven over QMP towards the desired VMs of the node.
// Each reconcile observes every VM (process, query-status, qom-list, events), plans per VM
// (vm_plan.h, pure) and applies the steps through the process and QMP adapters.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "agent/core/reconciler.h"
#include "agent/vms/console_log.h"
#include "agent/vms/vm_process.h"
#include "agent/vms/qemu_args.h"
#include "agent/vms/qmp_channel.h"
#include "agent/vms/vm_plan.h"
#include "agent/vms/vm_record.h"
#include "common/clock.h"

namespace photon::agent {

// Each VM's QEMU in a systemd unit of its own (runner: makeVmUnitRunner), with QEMU's seccomp
// sandbox, as an unprivileged user that owns its disks, with its sockets in the unit's
// RuntimeDirectory. The user is one fixed system user for every VM: systemd's User= needs a
// user record, and QEMU's -runas (which takes a bare uid) is killed by its own
// elevateprivileges=deny filter.
struct VmSandbox {
  bool enabled = false;
  std::string user = "photon-vm";
  uint32_t uid = 0, gid = 0;  // the user's (disks are handed to them)
  std::string runtime_root = "/run/photon-vm";  // sockets: <root>/<vm>/ as QEMU sees it
  std::string runtime_root_local;  // the same as the agent sees it; "": runtime_root
  int64_t memory_overhead_mib = 256;  // QEMU's own memory on top of the guest's (MemoryMax)
  int64_t tasks_overhead = 128;       // QEMU's threads besides the vCPUs (I/O pool up to 64)
};

struct VmOptions {
  std::string state_dir;            // VMs live in <state_dir>/vms/<name>/
  VmLimits limits;                  // image directories, node memory
  QemuSettings qemu;                // accel "" or "auto": probed (kvm when usable, else tcg)
  PlanSettings plan;
  std::chrono::milliseconds qmp_timeout{5000};        // every QMP wait
  std::chrono::milliseconds qmp_ready_timeout{10000}; // a new QEMU's socket to answer
  VmSandbox sandbox;
  // Adapters; null: the real ones.
  std::shared_ptr<VmProcessRunner> runner;
  std::shared_ptr<QmpConnector> connector;
  std::shared_ptr<common::Clock> clock;
};

class VmReconciler final : public Reconciler {
 public:
  explicit VmReconciler(VmOptions options);
  ~VmReconciler() override;  // leaves every QEMU running

  std::string section() const override { return "vms"; }
  [[nodiscard]] common::Status validate(const Json& section) const override;
  Json reconcile(const Json& section) override;
  void shutdown() override;

 private:
  struct Runtime {
    VmRecord record;
    std::unique_ptr<QmpChannel> qmp;
    std::set<std::string> deleted;  // DEVICE_DELETED ids not yet finished
    bool shutdown_event = false;    // SHUTDOWN seen from the current QEMU
    common::Json last_shutdown;     // its data ({"guest": true, "reason": ...})
    int64_t reset_events = 0;
    std::string error;
    std::unique_ptr<ConsolePump> console;  // while the current QEMU's console is read
  };

  void loadRecords();
  VmPaths paths(const std::string& name) const;
  [[nodiscard]] common::Status ownDisk(const DiskSpec& disk);
  VmObservation observe(const std::string& name, Runtime& vm);
  void connectQmp(const std::string& name, Runtime& vm);
  void pumpConsole(const std::string& name, Runtime& vm);
  [[nodiscard]] common::Status apply(const std::string& name, Runtime& vm,
                                     const std::optional<VmSpec>& desired, const VmAction& action);
  [[nodiscard]] common::Status start(const std::string& name, Runtime& vm, const VmSpec& spec,
                                     const VmAction& action);
  [[nodiscard]] common::Status ensureDisk(const DiskSpec& disk);
  [[nodiscard]] common::Status addDevice(Runtime& vm, const VmSpec& spec, const VmAction& action);
  [[nodiscard]] common::Status finishUnplug(Runtime& vm, const std::string& id);
  [[nodiscard]] common::Result<common::Json> qmp(Runtime& vm, const std::string& command,
                                                 const common::Json& args = nullptr);
  void save(const std::string& name, Runtime& vm);
  Json report(const std::string& name, Runtime& vm, const std::optional<VmSpec>& desired);

  VmOptions options_;
  std::map<std::string, Runtime> vms_;
  bool loaded_ = false;
};

std::unique_ptr<Reconciler> makeVmReconciler(VmOptions options);

}  // namespace photon::agent
