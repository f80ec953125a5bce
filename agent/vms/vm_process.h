// The process adapter: QEMU runs as a supervised child started with execve in its own session
// (agent/core/process_runner.h spawnDetached), so that it outlives the agent (an agent restart
// adopts it, never restarts it).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace photon::agent {

struct VmProcessStatus {
  bool alive = false;
  bool exit_known = false;  // our child, reaped: `exit_code` / `signal` say how it ended
  int exit_code = 0;
  int signal = 0;
};

class VmProcessRunner {
 public:
  virtual ~VmProcessRunner() = default;
  // Starts argv[0] (an absolute path or a name looked up in PATH) with stdin from /dev/null and
  // stdout/stderr appended to `log_path`.
  [[nodiscard]] virtual common::Result<pid_t> spawn(const std::vector<std::string>& argv,
                                                    const std::string& log_path) = 0;
  // Reaps our own children; for a process we adopted, looks at /proc.
  virtual VmProcessStatus status(pid_t pid) = 0;
  [[nodiscard]] virtual common::Status kill(pid_t pid, int signal) = 0;
  // Runs a short helper (qemu-img) to completion within `timeout`; returns its exit code.
  [[nodiscard]] virtual common::Result<int> run(const std::vector<std::string>& argv,
                                                std::chrono::milliseconds timeout) = 0;
  // The process's command line (NUL-separated arguments as a vector); empty when it is gone.
  virtual std::vector<std::string> commandLine(pid_t pid) = 0;
};

std::unique_ptr<VmProcessRunner> makeVmProcessRunner();

}  // namespace photon::agent
