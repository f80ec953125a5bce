#include "agent/units/unit_cgroup.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>

#include <fstream>

#include "agent/core/os_error.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;

bool isCgroup2(const struct statfs& fs) {
  return fs.f_type == CGROUP2_SUPER_MAGIC;
}

// Every component a real name: nothing that could climb out of the mount or the unit.
bool cleanPath(std::string_view path) {
  if (path.empty() || path.front() != '/' || path.size() > kMaxCgroupPath) return false;
  if (path == "/") return true;
  path.remove_prefix(1);
  while (true) {
    auto end = path.find('/');
    auto part = path.substr(0, end);
    if (part.empty() || part == "." || part == "..") return false;
    if (end == std::string_view::npos) return true;
    path.remove_prefix(end + 1);
  }
}

}  // namespace

common::Result<std::string> parseCgroup2Path(std::string_view proc_cgroup) {
  while (!proc_cgroup.empty()) {
    auto end = proc_cgroup.find('\n');
    auto line = proc_cgroup.substr(0, end);
    proc_cgroup.remove_prefix(end == std::string_view::npos ? proc_cgroup.size() : end + 1);
    if (!line.starts_with("0::")) continue;
    line.remove_prefix(3);
    if (line.ends_with(" (deleted)")) return fail(ErrorCode::kUnavailable, "its cgroup is removed");
    if (!cleanPath(line)) return common::invalid("cgroup", "not a clean cgroup path");
    return std::string(line);
  }
  return fail(ErrorCode::kUnavailable, "no cgroup2 (unified) hierarchy");
}

bool cgroupWithin(std::string_view path, std::string_view root) {
  if (root.empty() || root == "/") return path.starts_with('/');
  if (root.ends_with('/')) root.remove_suffix(1);
  return path.starts_with(root) && (path.size() == root.size() || path[root.size()] == '/');
}

std::string cgroupUnder(std::string_view root, std::string_view path) {
  if (root.ends_with('/')) root.remove_suffix(1);
  if (path == "/") return root.empty() ? "/" : std::string(root);
  return std::string(root) + std::string(path);
}

common::Result<std::string> processCgroupWithin(pid_t pid, const std::string& unit_cgroup) {
  auto where = "process " + std::to_string(pid);
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  if (!in) return fail(ErrorCode::kUnavailable, where + " is gone");
  std::string text(2 * kMaxCgroupPath, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  // A process that ended between open and read leaves an empty file.
  if (text.empty()) return fail(ErrorCode::kUnavailable, where + " is gone");
  auto path = parseCgroup2Path(text);
  if (!path) return std::unexpected(path.error().context(where));
  if (!cgroupWithin(*path, unit_cgroup)) {
    return fail(ErrorCode::kUnavailable,
                where + " is in " + *path + ", not within " + unit_cgroup + " (gone and reused?)");
  }
  return path;
}

std::string cgroup2Mount() {
  for (const char* mount : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    struct statfs fs {};
    if (::statfs(mount, &fs) == 0 && isCgroup2(fs)) return mount;
  }
  return {};
}

common::Result<UniqueFd> openCgroup(const std::string& path) {
  if (!cleanPath(path)) return common::invalid("cgroup", "not a clean cgroup path: " + path);
  auto mount = cgroup2Mount();
  if (mount.empty()) return fail(ErrorCode::kUnavailable, "no cgroup2 hierarchy mounted");
  auto dir = path == "/" ? mount : mount + path;
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return osError("open cgroup " + dir, ErrorCode::kUnavailable);
  struct statfs fs {};
  if (::fstatfs(fd.get(), &fs) != 0 || !isCgroup2(fs)) {
    return fail(ErrorCode::kUnavailable, dir + " is not a cgroup2 directory");
  }
  return fd;
}

}  // namespace photon::agent
