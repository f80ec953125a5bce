#include "agent/units/health_exchange.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "agent/core/unique_fd.h"

namespace photon::agent {
namespace {

using Clock = std::chrono::steady_clock;
using common::ErrorCode;
using common::fail;
using common::Status;

int millisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// Waits for `events` on `fd` until the deadline: true when ready, false when it passed.
common::Result<bool> waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int r = ::poll(&p, 1, millisLeft(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return fail(ErrorCode::kInternal, std::string("poll: ") + std::strerror(errno));
    return r > 0;
  }
}

common::Result<UniqueFd> connectLoopback(int port, Clock::time_point deadline) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0)
    return fail(ErrorCode::kInternal, std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
  if (errno != EINPROGRESS) return fail(ErrorCode::kUnavailable, std::strerror(errno));
  PHOTON_TRY(bool ready, waitFor(fd.get(), POLLOUT, deadline));
  if (!ready) return fail(ErrorCode::kUnavailable, "timed out");
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return fail(ErrorCode::kUnavailable, std::strerror(err));
  return fd;
}

Status sendAll(int fd, std::string_view bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) {
      return fail(ErrorCode::kUnavailable, std::string("send: ") + std::strerror(errno));
    }
    PHOTON_TRY(bool ready, waitFor(fd, POLLOUT, deadline));
    if (!ready) return fail(ErrorCode::kUnavailable, "timed out sending the request");
  }
  return {};
}

}  // namespace

common::Result<std::optional<int>> parseResponseHead(std::string_view head) {
  auto line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  // "HTTP/1.1 200 OK": checked as soon as the first bytes arrive, so that a service speaking
  // something else fails at once.
  constexpr std::string_view kVersion = "HTTP/1.";
  if (!std::string_view(kVersion).starts_with(line.substr(0, kVersion.size())) ||
      (line.size() > kVersion.size() && (line[7] != '0' && line[7] != '1'))) {
    return common::invalid("response", "not an HTTP/1.x response");
  }
  if (line_end == std::string_view::npos || head.find("\r\n\r\n") == std::string_view::npos) {
    return std::optional<int>();
  }
  if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
    return common::invalid("response", "malformed status line");
  }
  int status = 0;
  auto digits = line.substr(9, 3);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), status);
  if (ec != std::errc() || end != digits.data() + digits.size() || status < 100) {
    return common::invalid("response", "malformed status code");
  }
  return std::optional<int>(status);
}

common::Status checkTcpWithin(int port, std::chrono::milliseconds timeout) {
  auto where = "connect 127.0.0.1:" + std::to_string(port);
  auto fd = connectLoopback(port, Clock::now() + timeout);
  if (!fd) return std::unexpected(fd.error().context(where));
  return {};
}

common::Status checkHttpWithin(int port, const std::string& path,
                               std::chrono::milliseconds timeout) {
  auto where = "GET http://127.0.0.1:" + std::to_string(port) + path;
  auto deadline = Clock::now() + timeout;
  auto fd = connectLoopback(port, deadline);
  if (!fd) return std::unexpected(fd.error().context(where + ": connect"));
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                        "\r\nUser-Agent: photon-agent-health\r\nConnection: close\r\n\r\n";
  if (auto sent = sendAll(fd->get(), request, deadline); !sent) {
    return std::unexpected(sent.error().context(where));
  }
  std::string head;
  char chunk[1024];
  for (;;) {
    auto status = parseResponseHead(head);
    if (!status) return fail(ErrorCode::kUnavailable, where + ": " + status.error().message);
    if (const auto& code = *status) {  // the head is complete
      if (*code < 200 || *code >= 400) {
        return fail(ErrorCode::kUnavailable, where + ": status " + std::to_string(*code));
      }
      return {};
    }
    if (head.size() >= kMaxHealthResponseBytes) {
      return fail(ErrorCode::kUnavailable, where + ": response headers longer than " +
                                               std::to_string(kMaxHealthResponseBytes) + " bytes");
    }
    auto ready = waitFor(fd->get(), POLLIN, deadline);
    if (!ready) return std::unexpected(ready.error().context(where));
    if (!*ready) {
      return fail(ErrorCode::kUnavailable,
                  where + ": timed out after " + std::to_string(timeout.count()) + " ms (" +
                      std::to_string(head.size()) + " bytes of the response read)");
    }
    size_t room = std::min(sizeof chunk, kMaxHealthResponseBytes - head.size());
    ssize_t n = ::recv(fd->get(), chunk, room, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return fail(ErrorCode::kUnavailable, where + ": recv: " + std::strerror(errno));
    if (n == 0)
      return fail(ErrorCode::kUnavailable, where + ": connection closed before the headers ended");
    head.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace photon::agent
