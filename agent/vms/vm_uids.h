// Each sandboxed VM's uid, and what happens to its disks when it goes. A forgotten VM's uid may
// come back to a later VM, so (1) uids come from a counter kept in the state dir that only grows,
// wrapping to the start of the range only once past its end, and (2) a forgotten VM's disks are
// handed back to root before its uid can be anyone else's.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "agent/vms/vm_record.h"
#include "common/result.h"

namespace photon::agent {

// The first of next, next+1, ... in base .. base+count-1 (wrapping from its end to base) that no
// VM holds (`taken`); nothing when all are. A `next` outside the range starts at base. Pure.
std::optional<uint32_t> nextVmUid(const std::set<uint32_t>& taken, uint32_t base, uint32_t count,
                                  uint32_t next);

// Allocates a uid for a new VM from the counter in `counter_file` and saves the counter past it
// before returning it (a crash can skip a uid, never hand one out twice). A missing counter
// starts past every uid in use; a damaged one is an error, not a restart from the range's base.
[[nodiscard]] common::Result<uint32_t> allocateVmUid(const std::string& counter_file,
                                                     const std::set<uint32_t>& taken, uint32_t base,
                                                     uint32_t count);

// Hands the disk at `path` (a regular file or a block device) to `uid` (uid:uid, 0600). A
// symbolic link is refused, not followed: chown would hand its target — any file the link
// names — to the VM's uid, and disownDisk (which does not follow links either) could never
// give it back.
[[nodiscard]] common::Status ownDiskFile(const std::string& path, uint32_t uid);
// Gives `path` back to root (0:0, 0600) when it still belongs to `uid`; a file gone, a link, or
// one that has since become someone else's, is left alone.
[[nodiscard]] common::Status disownDisk(const std::string& path, uint32_t uid);
// The paths of every disk the record names: booted with, hot-plugged since.
std::set<std::string> recordedDisks(const VmRecord& record);
// disownDisk for every disk the record names and its uid; nothing to do for a VM that never had
// a uid of its own.
[[nodiscard]] common::Status disownDisks(const VmRecord& record);
// disownDisk for the disks the record names that `kept` does not: a disk that left the VM's spec
// before a restart, say. Its uid stays the VM's, but its disk must not.
[[nodiscard]] common::Status disownDroppedDisks(const VmRecord& record,
                                                const std::set<std::string>& kept);

}  // namespace photon::agent
