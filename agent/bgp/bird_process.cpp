#include "agent/bgp/bird_process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

extern char** environ;

namespace photon::agent {

common::Status startBird(const BirdPaths& paths) {
  std::vector<std::string> args = {paths.binary, "-c", paths.config, "-s", paths.socket,
                                   "-P",         paths.pid_file};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The agent blocks SIGTERM, SIGINT and SIGHUP for its signal thread; a child inherits the
  // mask, and a BIRD that blocks SIGTERM outlives every stop (systemd waits, then SIGKILLs).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  int err = posix_spawn(&pid, paths.binary.c_str(), nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    return common::fail(common::ErrorCode::kUnavailable,
                        "start " + paths.binary + ": " + std::strerror(err));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return common::fail(common::ErrorCode::kInternal,
                          std::string("wait for bird: ") + std::strerror(errno));
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return common::fail(common::ErrorCode::kUnavailable,
                        "bird -c " + paths.config + " exited with status " +
                            std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
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
