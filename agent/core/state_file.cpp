#include "agent/core/state_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "agent/core/os_error.h"
#include "agent/core/unique_fd.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;

common::Status writeAll(int fd, const std::string& content) {
  size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return osError("write");
    }
    off += static_cast<size_t>(n);
  }
  return {};
}
}  // namespace

common::Status writeFileAtomic(const std::string& path, const std::string& content, mode_t mode) {
  std::filesystem::path target(path);
  std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
  std::string tmp = dir + "/." + target.filename().string() + ".tmp" + std::to_string(getpid());
  {
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
    if (fd.get() < 0) return osError("create " + tmp);
    if (::fchmod(fd.get(), mode) != 0) return osError("chmod " + tmp);
    if (auto w = writeAll(fd.get(), content); !w) return std::unexpected(w.error().context(tmp));
    if (::fsync(fd.get()) != 0) return osError("fsync " + tmp);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    return osError("rename " + tmp + " to " + path);
  }
  UniqueFd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dirfd.get() >= 0) ::fsync(dirfd.get());
  return {};
}

common::Status prepareStateDir(const std::string& dir) {
  if (dir.empty()) return fail(ErrorCode::kInvalid, "state dir: no path given");
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(ErrorCode::kInvalid, "state dir: create " + dir + ": " + ec.message());
    // Created with the umask's mode; the leaf will hold the node's token.
    if (::chmod(dir.c_str(), 0700) != 0) return osError("state dir: chmod " + dir);
  }
  if (!std::filesystem::is_directory(dir, ec)) {
    return fail(ErrorCode::kInvalid, "state dir: " + dir + " is not a directory");
  }
  // Root passes every mode check, so only writing a file shows a read-only mount or the like.
  std::string probe = dir + "/.write-test";
  auto written = writeFileAtomic(probe, "", 0600);
  if (!written) {
    return fail(ErrorCode::kInvalid,
                "state dir: " + dir + " is not writable: " + written.error().message);
  }
  ::unlink(probe.c_str());
  return {};
}

common::Result<std::string> readFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return fail(ErrorCode::kNotFound, path + " does not exist");
    return osError("open " + path);
  }
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return osError("read " + path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace photon::agent
