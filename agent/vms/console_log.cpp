#include "agent/vms/console_log.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;

std::string errnoText() {
  return std::strerror(errno);
}

}  // namespace

RotatingLog::RotatingLog(std::string path, ConsoleLimits limits)
    : path_(std::move(path)), limits_(limits) {
  if (limits_.max_bytes < 1) limits_.max_bytes = 1;
  if (limits_.files < 1) limits_.files = 1;
}

common::Status RotatingLog::open() {
  fd_ = UniqueFd(::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (fd_.get() < 0) return fail(ErrorCode::kInternal, "open " + path_ + ": " + errnoText());
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0)
    return fail(ErrorCode::kInternal, "stat " + path_ + ": " + errnoText());
  size_ = st.st_size;
  return {};
}

common::Status RotatingLog::rotate() {
  fd_ = UniqueFd();
  if (limits_.files == 1) {
    if (::truncate(path_.c_str(), 0) != 0 && errno != ENOENT) {
      return fail(ErrorCode::kInternal, "truncate " + path_ + ": " + errnoText());
    }
    return open();
  }
  for (int k = limits_.files - 1; k >= 1; --k) {
    std::string from = k == 1 ? path_ : path_ + "." + std::to_string(k - 1);
    std::string to = path_ + "." + std::to_string(k);
    if (::rename(from.c_str(), to.c_str()) != 0 && errno != ENOENT) {
      return fail(ErrorCode::kInternal, "rename " + from + ": " + errnoText());
    }
  }
  return open();
}

common::Status RotatingLog::append(std::string_view bytes) {
  if (fd_.get() < 0) PHOTON_CHECK(open());
  while (!bytes.empty()) {
    if (size_ >= limits_.max_bytes) PHOTON_CHECK(rotate());
    auto room = static_cast<size_t>(limits_.max_bytes - size_);
    auto part = bytes.substr(0, room);
    ssize_t n = ::write(fd_.get(), part.data(), part.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorCode::kInternal, "write " + path_ + ": " + errnoText());
    size_ += n;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

common::Result<std::unique_ptr<ConsolePump>> ConsolePump::start(const std::string& socket_path,
                                                                const std::string& log_path,
                                                                ConsoleLimits limits) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    return fail(ErrorCode::kInvalid, "console socket path too long: " + socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return fail(ErrorCode::kInternal, "socket: " + errnoText());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return fail(ErrorCode::kUnavailable, "connect " + socket_path + ": " + errnoText());
  }
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wake.get() < 0) return fail(ErrorCode::kInternal, "eventfd: " + errnoText());
  return std::unique_ptr<ConsolePump>(
      new ConsolePump(std::move(fd), std::move(wake), log_path, limits));
}

ConsolePump::ConsolePump(UniqueFd socket, UniqueFd wake, const std::string& log_path,
                         ConsoleLimits limits)
    : socket_(std::move(socket)), wake_(std::move(wake)), log_(log_path, limits) {
  thread_ = std::thread([this] { run(); });
}

ConsolePump::~ConsolePump() {
  uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
  thread_.join();
}

std::string ConsolePump::lastError() const {
  return failed_.load() ? error_ : std::string();
}

void ConsolePump::run() {
  char buffer[16384];
  for (;;) {
    pollfd fds[2] = {{socket_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
    int r = ::poll(fds, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || fds[1].revents != 0) break;
    ssize_t n = ::recv(socket_.get(), buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) break;  // QEMU exited
    if (auto written = log_.append(std::string_view(buffer, static_cast<size_t>(n)));
        !written && !failed_.load()) {
      // Keep reading: a full disk must not back the guest's console up; the bytes are lost.
      error_ = written.error().message;
      failed_ = true;
    }
  }
  running_ = false;
}

}  // namespace photon::agent
