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
#include "agent/vms/qemu_args.h"
#include "agent/vms/qmp_channel.h"
#include "agent/vms/vm_plan.h"
#include "agent/vms/vm_process.h"
#include "agent/vms/vm_record.h"
#include "common/api/vm_report.h"
#include "common/clock.h"

namespace photon::agent {

// Each VM's QEMU in a systemd unit of its own (runner: makeVmUnitRunner), with QEMU's seccomp
// sandbox, as a uid of its own that owns its disks and its socket directory, so that one VM's
// QEMU can open neither the host's files nor another VM's disks. The uid is uid_base + n (n from
// a counter that only grows, vm_uids.h; kept in the VM's record), its gid the same number;
// neither has a user record: systemd's User= would need one, and QEMU's -runas is killed by its
// own elevateprivileges=deny filter, so setpriv sets them in the unit before exec'ing QEMU.
struct VmSandbox {
  bool enabled = false;
  // 65536-524287: a range systemd leaves unused (neither system, regular, dynamic nor
  // container users).
  uint32_t uid_base = 0x50000;
  uint32_t uid_count = 4096;
  std::vector<uint32_t> groups;                 // QEMU's supplementary groups: kvm's, for /dev/kvm
  std::string runtime_root = "/run/photon-vm";  // sockets: <root>/<vm>/ as QEMU sees it
  std::string runtime_root_local;               // the same as the agent sees it; "": runtime_root
  int64_t memory_overhead_mib = 256;  // QEMU's own memory on top of the guest's (MemoryMax)
  int64_t tasks_overhead = 128;       // QEMU's threads besides the vCPUs (I/O pool up to 64)
};

struct VmOptions {
  std::string state_dir;  // VMs live in <state_dir>/vms/<name>/
  VmLimits limits;        // image directories, node memory
  QemuSettings qemu;      // accel "" or "auto": probed (kvm when usable, else tcg)
  PlanSettings plan;
  std::chrono::milliseconds qmp_timeout{5000};         // every QMP wait
  std::chrono::milliseconds qmp_ready_timeout{10000};  // a new QEMU's socket to answer
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
  // The report as JSON (common/api/vm_report.h's writer).
  Json reconcile(const Json& section) override;
  // One round, typed: what reconcile() writes.
  common::VmsReport report(const Json& section);
  void shutdown() override;

 private:
  struct Runtime {
    VmRecord record;
    std::unique_ptr<QmpChannel> qmp;
    std::set<std::string> deleted;  // DEVICE_DELETED ids not yet finished
    bool shutdown_event = false;    // SHUTDOWN seen from the current QEMU
    std::optional<common::VmShutdown> last_shutdown;
    int64_t reset_events = 0;
    std::string error;
    std::unique_ptr<ConsolePump> console;  // while the current QEMU's console is read
  };

  void loadRecords();
  VmPaths paths(const std::string& name) const;
  // Sandboxed: hands the disk to the VM's own uid (0600).
  [[nodiscard]] common::Status ownDisk(const DiskSpec& disk, const VmRecord& record);
  // Sandboxed: the VM's uid (allocated on its first start) and its socket directory, its own.
  [[nodiscard]] common::Status prepareSandbox(const std::string& name, Runtime& vm);
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
  common::VmReport reportVm(const std::string& name, Runtime& vm,
                            const std::optional<VmSpec>& desired);

  VmOptions options_;
  std::map<std::string, Runtime> vms_;
  bool loaded_ = false;
};

std::unique_ptr<Reconciler> makeVmReconciler(VmOptions options);

}  // namespace photon::agent
