#include "agent/units/health_probe.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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

// Waits for `pid` for at most timeout_ms through a pidfd (no polling); kills it when late.
Status checkExec(const HealthCheckSpec& spec) {
  auto where = "run " + spec.exec.front();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (const auto& a : spec.exec) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  char path_env[] = "PATH=/run/current-system/sw/bin:/usr/bin:/bin";
  char* envp[] = {path_env, nullptr};
  pid_t pid = -1;
  int r = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (r != 0) return fail(ErrorCode::kUnavailable, where + ": " + errnoText(r));
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  bool late = false;
  if (pidfd.get() >= 0) {
    pollfd p{pidfd.get(), POLLIN, 0};
    late = poll(&p, 1, spec.timeout_ms) == 0;
  }
  if (late) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (late) return fail(ErrorCode::kUnavailable, where + ": timed out");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  if (WIFEXITED(status)) {
    return fail(ErrorCode::kUnavailable, where + ": exit status " + std::to_string(WEXITSTATUS(status)));
  }
  return fail(ErrorCode::kUnavailable, where + ": killed by signal " + std::to_string(WTERMSIG(status)));
}

class SystemHealthProbe final : public HealthProbe {
 public:
  Status check(const HealthCheckSpec& spec) override {
    switch (spec.kind) {
      case HealthKind::kTcp: return checkTcp(spec);
      case HealthKind::kHttp: return checkHttp(spec);
      case HealthKind::kExec: return checkExec(spec);
      case HealthKind::kNone: return {};
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<HealthProbe> makeSystemHealthProbe() { return std::make_unique<SystemHealthProbe>(); }

}  // namespace photon::agent
