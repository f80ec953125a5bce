// Starting the BIRD daemon when none answers on the agent's socket.
#pragma once

#include <string>

#include "agent/core/process_runner.h"
#include "common/result.h"

namespace photon::agent {

struct BirdPaths {
  std::string binary;
  std::string config;
  std::string socket;
  std::string pid_file;
};

// Runs `bird -c CONFIG -s SOCKET -P PIDFILE` through the runner in the caller's network
// namespace and waits for it to daemonize: a config BIRD cannot read fails here with BIRD's exit
// status and its last line of output.
[[nodiscard]] common::Status startBird(ProcessRunner& runner, const BirdPaths& paths);

// Whether the pid file names a live process: then BIRD runs and merely does not answer, and a
// second one must not be started.
bool birdPidAlive(const std::string& pid_file);

}  // namespace photon::agent
