// Where a unit's processes live in the cgroup2 hierarchy, so that an exec health check starts in
// the same cgroup (ProcessRunner::runInCgroup): it counts against the unit's MemoryMax and
// TasksMax and is killed with the unit, never with the agent's cgroup. cgroup2 only. A path read
// from /proc is validated before it names a directory the agent opens.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "agent/core/unique_fd.h"
#include "common/result.h"

namespace photon::agent {

constexpr size_t kMaxCgroupPath = 4096;

// Pure. The cgroup2 path out of /proc/<pid>/cgroup (its "0::/…" line): absolute, at most
// kMaxCgroupPath bytes, no "." or ".." or empty component, not a removed cgroup ("… (deleted)").
// kUnavailable when there is no cgroup2 line (a host with cgroup v1 only).
[[nodiscard]] common::Result<std::string> parseCgroup2Path(std::string_view proc_cgroup);

// Pure. True when `path` is `root` or below it, by whole components ("/a/b" is not below "/a/bc").
bool cgroupWithin(std::string_view path, std::string_view root);

// Pure. `path` as the manager sees it, below `root`: where the manager's "/" is in this process's
// view ("" or "/" on a node, where the agent shares systemd's cgroup namespace).
std::string cgroupUnder(std::string_view root, std::string_view path);

// /proc/<pid>/cgroup's cgroup2 path, refused unless it lies within `unit_cgroup` (this process's
// view): a pid recycled since the manager reported it is another process, in another cgroup.
[[nodiscard]] common::Result<std::string> processCgroupWithin(pid_t pid,
                                                              const std::string& unit_cgroup);

// The cgroup2 mount: /sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host; "" when none.
std::string cgroup2Mount();

// Opens the cgroup directory `path` (a path parseCgroup2Path accepts) under the cgroup2 mount,
// for runInCgroup; refused unless it is a directory of a cgroup2 file system.
[[nodiscard]] common::Result<UniqueFd> openCgroup(const std::string& path);

}  // namespace photon::agent
