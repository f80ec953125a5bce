#include "agent/units/health_probe.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "agent/core/unique_fd.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;
using common::Status;

std::string errnoText(int e) { return std::strerror(e); }

Status checkTcp(const HealthCheckSpec& spec) {
  auto where = "connect 127.0.0.1:" + std::to_string(spec.port);
  UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return fail(ErrorCode::kInternal, "socket: " + errnoText(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(spec.port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return {};
  if (errno != EINPROGRESS) return fail(ErrorCode::kUnavailable, where + ": " + errnoText(errno));
  pollfd p{fd.get(), POLLOUT, 0};
  int r = poll(&p, 1, spec.timeout_ms);
  if (r == 0) return fail(ErrorCode::kUnavailable, where + ": timed out");
  if (r < 0) return fail(ErrorCode::kInternal, where + ": poll: " + errnoText(errno));
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return fail(ErrorCode::kUnavailable, where + ": " + errnoText(err));
  return {};
}

Status checkHttp(const HealthCheckSpec& spec) {
  auto where = "GET http://127.0.0.1:" + std::to_string(spec.port) + spec.path;
  try {
    httplib::Client client("127.0.0.1", spec.port);
    client.set_tcp_nodelay(true);
    auto timeout_s = spec.timeout_ms / 1000;
    auto timeout_us = (spec.timeout_ms % 1000) * 1000;
    client.set_connection_timeout(timeout_s, timeout_us);
    client.set_read_timeout(timeout_s, timeout_us);
    client.set_write_timeout(timeout_s, timeout_us);
    auto res = client.Get(spec.path);
    if (!res) return fail(ErrorCode::kUnavailable, where + ": " + httplib::to_string(res.error()));
    if (res->status < 200 || res->status >= 400) {
      return fail(ErrorCode::kUnavailable, where + ": status " + std::to_string(res->status));
    }
    return {};
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, where + ": " + e.what());
  }
}

// The command through the agent's ProcessRunner: an empty signal mask (the agent blocks SIGTERM
// for its signal thread), and at the deadline its whole process group is killed.
Status checkExec(ProcessRunner& runner, const HealthCheckSpec& spec) {
  auto where = "run " + spec.exec.front();
  auto result = runner.run(spec.exec, std::chrono::milliseconds(spec.timeout_ms));
  if (!result) return fail(ErrorCode::kUnavailable, where + ": " + result.error().message);
  if (result->ok()) return {};
  return fail(ErrorCode::kUnavailable, where + ": " + result->describe());
}

class SystemHealthProbe final : public HealthProbe {
 public:
  explicit SystemHealthProbe(std::unique_ptr<ProcessRunner> runner) : runner_(std::move(runner)) {}

  Status check(const HealthCheckSpec& spec) override {
    switch (spec.kind) {
      case HealthKind::kTcp: return checkTcp(spec);
      case HealthKind::kHttp: return checkHttp(spec);
      case HealthKind::kExec: return checkExec(*runner_, spec);
      case HealthKind::kNone: return {};
    }
    return {};
  }

 private:
  std::unique_ptr<ProcessRunner> runner_;
};

}  // namespace

std::unique_ptr<HealthProbe> makeSystemHealthProbe(std::unique_ptr<ProcessRunner> runner) {
  return std::make_unique<SystemHealthProbe>(std::move(runner));
}

}  // namespace photon::agent
