// What the agent knows about one VM beyond what QEMU can tell it, kept in the VM's state file
// (<state>/vms/<name>/vm.json) so that a restarted agent adopts the QEMU it left running.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "agent/vms/vm_spec.h"

namespace photon::agent {

struct VmRecord {
  std::optional<VmSpec> booted;  // the spec the current (or last) QEMU started with
  pid_t pid = 0;
  bool running_expected = false;  // started by us and not asked to stop: an exit is unplanned
  std::string down_reason;        // "crashed" / "shutdown" when held down by the restart policy
  int64_t restarts = 0;
  int64_t reset_generation = 0;                  // the last one applied
  int64_t powerdown_at = 0;                      // when system_powerdown was sent (0: not stopping)
  std::map<std::string, common::Json> attached;  // device id -> its DiskSpec/NicSpec JSON
  std::map<std::string, std::string> ports;      // device id -> root port (also while pending)
  std::set<std::string> pending_unplug;
  // Sandboxed: the uid (and gid) this VM's QEMU runs as and its disks belong to; 0 until its
  // first start (vm_uids.h). Kept for the VM's life, so that its disks stay its own across
  // restarts.
  uint32_t uid = 0;
};

common::Json toJson(const VmRecord& record);
// A damaged file yields an error: the caller keeps the QEMU running and reports it.
[[nodiscard]] common::Result<VmRecord> parseVmRecord(const common::Json& j);

}  // namespace photon::agent
