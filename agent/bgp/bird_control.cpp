#include "agent/bgp/bird_control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/core/os_error.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;
using Clock = std::chrono::steady_clock;

// BIRD refuses longer commands (9000 "Command too long").
constexpr size_t kMaxCommandLength = 4000;

bool refused(const std::string& line) {
  std::string first = line.substr(0, line.find(' '));
  return first == "help" || first == "quit" || first == "exit";
}

}  // namespace

common::Result<std::unique_ptr<BirdSocket>> BirdSocket::connect(const std::string& path,
                                                                std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) {
    return fail(ErrorCode::kInvalid, "BIRD socket path too long: " + path);
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return osError("socket", ErrorCode::kUnavailable);
  std::unique_ptr<BirdSocket> sock(new BirdSocket(fd, timeout));
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    return osError("connect to BIRD at " + path, ErrorCode::kUnavailable);
  }
  PHOTON_TRY(auto greeting, sock->readReply());
  if (greeting.code != 1) {
    return fail(ErrorCode::kUnavailable, "BIRD at " + path + " greeted with " +
                                             std::to_string(greeting.code) + " " +
                                             greeting.message());
  }
  return sock;
}

common::Result<BirdReply> BirdSocket::command(const std::string& line) {
  if (line.empty() || line.size() > kMaxCommandLength ||
      line.find_first_of("\r\n") != std::string::npos) {
    return fail(ErrorCode::kInvalid, "not a single BIRD command line");
  }
  if (refused(line)) {
    return fail(ErrorCode::kInvalid, "'" + line + "' gets no reply on BIRD's socket, not sent");
  }
  std::string out = line + "\n";
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = ::send(fd_.get(), out.data() + off, out.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return osError("send to BIRD", ErrorCode::kUnavailable);
    off += static_cast<size_t>(n);
  }
  return readReply();
}

common::Result<BirdReply> BirdSocket::readReply() {
  auto deadline = Clock::now() + timeout_;
  char buf[16384];
  while (true) {
    PHOTON_TRY(auto reply, reader_.next());
    if (reply) return std::move(*reply);
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return fail(ErrorCode::kUnavailable,
                  "BIRD did not answer within " + std::to_string(timeout_.count()) + " ms");
    }
    pollfd p{fd_.get(), POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return osError("poll BIRD socket", ErrorCode::kUnavailable);
    if (r == 0) continue;  // the deadline check above reports it
    ssize_t n = ::recv(fd_.get(), buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return osError("read from BIRD", ErrorCode::kUnavailable);
    if (n == 0) return fail(ErrorCode::kUnavailable, "BIRD closed the control socket");
    reader_.feed(std::string_view(buf, static_cast<size_t>(n)));
  }
}

}  // namespace photon::agent
