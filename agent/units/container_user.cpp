#include "agent/units/container_user.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>

#include "agent/core/os_error.h"
#include "agent/core/unique_fd.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;

// The next ':'-separated field of `line`, which loses it and its separator.
std::string_view nextField(std::string_view& line) {
  auto colon = line.find(':');
  auto field = line.substr(0, colon);
  line.remove_prefix(colon == std::string_view::npos ? line.size() : colon + 1);
  return field;
}

common::Result<uint32_t> parseId(std::string_view text, const char* what) {
  uint32_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  // (uid_t)-1 means "unchanged" to setresuid: never an answer.
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || id == UINT32_MAX) {
    return common::invalid(what, std::string("not a ") + what + " number");
  }
  return id;
}

}  // namespace

common::Result<ContainerUser> findPasswdEntry(std::string_view passwd, std::string_view user) {
  while (!passwd.empty()) {
    auto end = passwd.find('\n');
    auto line = passwd.substr(0, end);
    passwd.remove_prefix(end == std::string_view::npos ? passwd.size() : end + 1);
    if (user.empty() || nextField(line) != user) continue;
    (void)nextField(line);  // the password
    auto uid_text = nextField(line);
    auto gid_text = nextField(line);
    PHOTON_TRY(uint32_t uid, parseId(uid_text, "uid"));
    PHOTON_TRY(uint32_t gid, parseId(gid_text, "gid"));
    return ContainerUser{uid, gid};
  }
  return fail(ErrorCode::kNotFound, "no user " + std::string(user));
}

common::Result<ContainerUser> containerUser(pid_t leader, const std::string& user) {
  auto root_path = "/proc/" + std::to_string(leader) + "/root";
  UniqueFd root(::open(root_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return osError("open " + root_path, ErrorCode::kUnavailable);
  return containerUserIn(root.get(), user);
}

common::Result<ContainerUser> containerUserIn(int root_fd, const std::string& user) {
  const std::string where = "the container's /etc/passwd";
  // RESOLVE_IN_ROOT: an absolute link in the container ("/etc/passwd -> /etc/shadow") stays in
  // the container. O_NONBLOCK: a FIFO there does not hang the open; it is refused below.
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, root_fd, "etc/passwd", &how, sizeof how)));
  if (!fd.valid()) return osError("open " + where, ErrorCode::kUnavailable);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return osError("stat " + where, ErrorCode::kUnavailable);
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::kInvalid, where + " is not a regular file");
  std::string bytes;
  char chunk[8192];
  for (;;) {
    ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return osError("read " + where, ErrorCode::kUnavailable);
    if (n == 0) break;
    bytes.append(chunk, static_cast<size_t>(n));
    if (bytes.size() > kMaxContainerPasswdBytes) {
      return fail(ErrorCode::kInvalid,
                  where + " is larger than " + std::to_string(kMaxContainerPasswdBytes) + " bytes");
    }
  }
  auto found = findPasswdEntry(bytes, user);
  if (!found) return std::unexpected(found.error().context(where));
  return found;
}

}  // namespace photon::agent
