#include "agent/bgp/bird_process.h"

#include <signal.h>

#include <cerrno>
#include <fstream>

namespace photon::agent {
namespace {
// BIRD reads its config and daemonizes at once; a launcher still there after this is stuck.
constexpr auto kDaemonizeWait = std::chrono::seconds(30);
}  // namespace

common::Status startBird(ProcessRunner& runner, const BirdPaths& paths) {
  // The runner clears the signal mask: the agent blocks SIGTERM, SIGINT and SIGHUP for its
  // signal thread, and a BIRD that inherited that would outlive every stop.
  auto result = runner.run(
      {paths.binary, "-c", paths.config, "-s", paths.socket, "-P", paths.pid_file}, kDaemonizeWait);
  if (!result) {
    return std::unexpected(result.error().context("start " + paths.binary));
  }
  if (!result->ok()) {
    return common::fail(common::ErrorCode::kUnavailable,
                        "bird -c " + paths.config + ": " + result->describe());
  }
  return {};
}

bool birdPidAlive(const std::string& pid_file) {
  std::ifstream in(pid_file);
  long pid = 0;
  if (!(in >> pid) || pid <= 1) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace photon::agent
