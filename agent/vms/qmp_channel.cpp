#include "agent/vms/qmp_channel.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "agent/core/unique_fd.h"
#include "agent/vms/qmp_protocol.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;
using common::Json;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxLine = 1 << 20;  // replies are a few KiB; this bounds a broken peer

class UnixQmpChannel final : public QmpChannel {
 public:
  UnixQmpChannel(int fd, std::chrono::milliseconds timeout) : fd_(fd), timeout_(timeout) {}

  common::Status handshake() {
    PHOTON_TRY(QmpMessage greeting, readMessage(Clock::now() + timeout_));
    if (greeting.kind != QmpKind::kGreeting) {
      return fail(ErrorCode::kUnavailable, "QMP: expected a greeting");
    }
    PHOTON_CHECK(execute("qmp_capabilities", nullptr));
    return {};
  }

  common::Result<Json> execute(const std::string& command, const Json& args) override {
    std::string id = "photon-" + std::to_string(++next_id_);
    std::string out = encodeQmpCommand(command, args, id);
    auto deadline = Clock::now() + timeout_;
    for (size_t done = 0; done < out.size();) {
      ssize_t n = ::send(fd_.get(), out.data() + done, out.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(ErrorCode::kUnavailable, command + ": " + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    for (;;) {
      auto message = readMessage(deadline);
      if (!message) return std::unexpected(message.error().context(command));
      if (message->kind == QmpKind::kEvent) {
        deliver(*message);
        continue;
      }
      // A reply to an older command that timed out is stale: skip it.
      if (message->id != id) continue;
      if (message->kind == QmpKind::kError) {
        return fail(ErrorCode::kConflict,
                    command + ": " + message->error_class + ": " + message->error_desc);
      }
      return message->value;
    }
  }

  common::Status pollEvents(std::chrono::milliseconds wait) override {
    auto deadline = Clock::now() + wait;
    for (;;) {
      auto line = takeLine();
      if (!line) {
        PHOTON_TRY(bool got, fill(deadline));
        if (!got) return {};
        continue;
      }
      auto message = parseQmpMessage(*line);
      if (message && message->kind == QmpKind::kEvent) deliver(*message);
    }
  }

  int subscribe(std::function<void(const QmpEvent&)> handler) override {
    subscribers_[++next_handle_] = std::move(handler);
    return next_handle_;
  }
  void unsubscribe(int handle) override { subscribers_.erase(handle); }

 private:
  void deliver(const QmpMessage& message) {
    QmpEvent event{message.event, message.value};
    // Copy: a handler may unsubscribe itself.
    auto subscribers = subscribers_;
    for (auto& [handle, handler] : subscribers) handler(event);
  }

  std::optional<std::string> takeLine() {
    auto nl = buffer_.find('\n');
    if (nl == std::string::npos) return std::nullopt;
    std::string line = buffer_.substr(0, nl);
    buffer_.erase(0, nl + 1);
    return line;
  }

  // Reads once; false when the deadline passed with nothing to read.
  common::Result<bool> fill(Clock::time_point deadline) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{fd_.get(), POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return fail(ErrorCode::kUnavailable, std::string("poll: ") + std::strerror(errno));
      if (r == 0) return false;
      char chunk[16384];
      ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n < 0) return fail(ErrorCode::kUnavailable, std::string("recv: ") + std::strerror(errno));
      if (n == 0) return fail(ErrorCode::kUnavailable, "QMP socket closed");
      buffer_.append(chunk, static_cast<size_t>(n));
      if (buffer_.size() > kMaxLine) return fail(ErrorCode::kInternal, "QMP: message too long");
      return true;
    }
  }

  common::Result<QmpMessage> readMessage(Clock::time_point deadline) {
    for (;;) {
      if (auto line = takeLine()) {
        auto message = parseQmpMessage(*line);
        if (message) return message;
        continue;  // not ours to understand; QMP never sends a partial object per line
      }
      PHOTON_TRY(bool got, fill(deadline));
      if (!got) return fail(ErrorCode::kUnavailable, "QMP: timed out");
    }
  }

  UniqueFd fd_;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
  uint64_t next_id_ = 0;
  int next_handle_ = 0;
  std::map<int, std::function<void(const QmpEvent&)>> subscribers_;
};

class UnixQmpConnector final : public QmpConnector {
 public:
  explicit UnixQmpConnector(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  common::Result<std::unique_ptr<QmpChannel>> connect(const std::string& socket_path) override {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof addr.sun_path) {
      return fail(ErrorCode::kInvalid, "QMP socket path too long: " + socket_path);
    }
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
      return fail(ErrorCode::kUnavailable, std::string("socket: ") + std::strerror(errno));
    auto channel = std::make_unique<UnixQmpChannel>(fd, timeout_);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      return fail(ErrorCode::kUnavailable, "connect " + socket_path + ": " + std::strerror(errno));
    }
    auto status = channel->handshake();
    if (!status) return std::unexpected(status.error().context("QMP " + socket_path));
    return channel;
  }

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<QmpConnector> makeUnixQmpConnector(std::chrono::milliseconds timeout) {
  return std::make_unique<UnixQmpConnector>(timeout);
}

common::Result<QmpEvent> waitForEvent(QmpChannel& channel,
                                      const std::function<bool(const QmpEvent&)>& match,
                                      std::chrono::milliseconds timeout) {
  std::optional<QmpEvent> found;
  int handle = channel.subscribe([&](const QmpEvent& e) {
    if (!found && match(e)) found = e;
  });
  auto deadline = Clock::now() + timeout;
  common::Status status;
  while (!found && Clock::now() < deadline && status) {
    status = channel.pollEvents(std::chrono::milliseconds(50));
  }
  channel.unsubscribe(handle);
  if (found) return *found;
  if (!status) return std::unexpected(status.error());
  return fail(ErrorCode::kUnavailable, "QMP: no matching event within the timeout");
}

}  // namespace photon::agent
