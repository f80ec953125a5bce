#include "tests/support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace photon::test {

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket: " + std::string(strerror(errno)));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect 127.0.0.1:" + std::to_string(port) + ": " + strerror(e));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

bool RawConnection::closedWithin(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char sink[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready <= 0) continue;
    ssize_t n = ::recv(fd_, sink, sizeof sink, 0);
    if (n <= 0) return true;  // closed or reset
  }
}

RawReply takeReply(std::string& buffer) {
  RawReply reply;
  auto end = buffer.find("\r\n\r\n");
  if (end == std::string::npos) return reply;
  std::string head = buffer.substr(0, end);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  size_t content_length = 0;
  std::map<std::string, std::string> headers;
  size_t at = line_end == std::string::npos ? head.size() : line_end + 2;
  while (at < head.size()) {
    size_t next = head.find("\r\n", at);
    if (next == std::string::npos) next = head.size();
    std::string line = head.substr(at, next - at);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      headers[name] = value;
    }
    at = next + 2;
  }
  if (auto it = headers.find("content-length"); it != headers.end()) {
    content_length = std::stoul(it->second);
  }
  if (buffer.size() < end + 4 + content_length) return reply;
  // "HTTP/1.1 200 OK"
  auto space = status_line.find(' ');
  int status = space == std::string::npos ? 0 : std::atoi(status_line.c_str() + space + 1);
  if (status == 100) {  // an interim answer: drop it, the real one follows
    buffer.erase(0, end + 4);
    return takeReply(buffer);
  }
  reply.status = status;
  reply.headers = std::move(headers);
  reply.body = buffer.substr(end + 4, content_length);
  buffer.erase(0, end + 4 + content_length);
  return reply;
}

RawReply readReply(RawConnection& connection, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string buffer;
  char chunk[65536];
  for (;;) {
    RawReply reply = takeReply(buffer);
    if (reply.status != 0) return reply;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    pollfd p{connection.fd(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = ::recv(connection.fd(), chunk, sizeof chunk, 0);
    if (n <= 0) return takeReply(buffer);
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

RawReply sendWhileReading(RawConnection& connection, const std::function<std::string()>& next,
                          size_t& sent, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string buffer, pending;
  bool more = true;
  char chunk[65536];
  sent = 0;
  for (;;) {
    RawReply reply = takeReply(buffer);
    if (reply.status != 0) return reply;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return {};
    if (pending.empty() && more) {
      pending = next();
      more = !pending.empty();
    }
    pollfd p{connection.fd(), static_cast<short>(POLLIN | (pending.empty() ? 0 : POLLOUT)), 0};
    if (::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 100))) <= 0) continue;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(connection.fd(), chunk, sizeof chunk, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return takeReply(buffer);
      if (n > 0) buffer.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (p.revents & POLLOUT) {
      ssize_t n =
          ::send(connection.fd(), pending.data(), pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        pending.erase(0, static_cast<size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        pending.clear();  // the server stopped reading and closed: read what it answered
        more = false;
      }
    }
  }
}

size_t residentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

int threadCount() {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task")) {
    (void)entry;
    ++n;
  }
  return n;
}

void raiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace photon::test
