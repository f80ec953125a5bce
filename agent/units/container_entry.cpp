#include "agent/units/container_entry.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>

#include "agent/core/os_error.h"
#include "agent/units/unit_cgroup.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;

std::string readStatus(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string text(16 * 1024, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

}  // namespace

std::vector<int> HeldContainer::passed() const {
  return {mnt.get(), uts.get(), ipc.get(), net.get(), pid.get(), root.get()};
}

common::Result<HeldContainer> holdContainer(const UnitProcess& leader, const std::string& user) {
  const auto where = "container leader " + std::to_string(leader.pid);
  const auto proc = "/proc/" + std::to_string(leader.pid);
  HeldContainer held;
  held.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, leader.pid, 0)));
  if (!held.pidfd.valid()) {
    if (errno == ESRCH) return fail(ErrorCode::kUnavailable, where + " is gone");
    return osError("pidfd_open " + where, ErrorCode::kUnavailable);
  }
  // The pid may have been reused before the pidfd was taken: the process it names now must still
  // be a container's PID 1 within the leader's cgroup.
  auto status = parseProcStatus(readStatus(leader.pid));
  if (status.ns_depth < 2 || status.ns_pid != 1) {
    return fail(ErrorCode::kUnavailable, where + " is gone (no container's PID 1 now)");
  }
  held.bounding_caps = status.bounding_caps;
  // Within the cgroup it was found in (a container's systemd moves itself one level down, into
  // init.scope, as it boots); the check starts where it is now.
  PHOTON_TRY(auto cgroup, processCgroupWithin(leader.pid, leader.cgroup));
  PHOTON_TRY(held.cgroup, openCgroup(cgroup));
  auto open = [&](const std::string& name, int flags, UniqueFd& fd) -> common::Status {
    fd.reset(::open((proc + "/" + name).c_str(), flags | O_CLOEXEC));
    if (!fd.valid()) return osError("open " + where + "'s " + name, ErrorCode::kUnavailable);
    return {};
  };
  PHOTON_CHECK(open("ns/mnt", O_RDONLY, held.mnt));
  PHOTON_CHECK(open("ns/uts", O_RDONLY, held.uts));
  PHOTON_CHECK(open("ns/ipc", O_RDONLY, held.ipc));
  PHOTON_CHECK(open("ns/net", O_RDONLY, held.net));
  PHOTON_CHECK(open("ns/pid", O_RDONLY, held.pid));
  PHOTON_CHECK(open("root", O_RDONLY | O_DIRECTORY, held.root));
  if (!user.empty()) {
    PHOTON_TRY(held.as, containerUserIn(held.root.get(), user));
  }
  // Last: everything above was read of a process that lives now, so of the leader itself.
  if (::syscall(SYS_pidfd_send_signal, held.pidfd.get(), 0, nullptr, 0) != 0) {
    return fail(ErrorCode::kUnavailable, where + " is gone");
  }
  return held;
}

}  // namespace photon::agent
