// Runs a program from an argument vector (never a shell string) with a deadline, capturing its
// combined stdout and stderr. The agent core has no process runner yet, so the nixos domain
// carries this one; it is small and has no nixos-specific knowledge, ready to move to core.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace photon::agent {

struct ProcessResult {
  int exit_code = -1;      // valid when signal == 0 and !timed_out
  int signal = 0;          // the signal that ended it, if one did
  bool timed_out = false;  // killed at the deadline
  std::string output;      // stdout and stderr interleaved, the last kMaxOutput bytes

  bool ok() const { return !timed_out && signal == 0 && exit_code == 0; }
  // "exit code 1: <last line of output>", "timed out after 5s", "killed by signal 9".
  std::string describe() const;
};

class ProcessRunner {
 public:
  static constexpr size_t kMaxOutput = 64 * 1024;

  virtual ~ProcessRunner() = default;
  // argv[0] is an absolute path or a name looked up in PATH. An error means the program could
  // not be started at all; any way it ended is a ProcessResult.
  [[nodiscard]] virtual common::Result<ProcessResult> run(const std::vector<std::string>& argv,
                                                          std::chrono::milliseconds timeout) = 0;
};

// fork/execve. The child gets its own process group (killed as a whole at the deadline),
// stdin from /dev/null, the agent's environment, and dies with the agent (PR_SET_PDEATHSIG),
// as it would with systemd's control-group kill mode.
std::unique_ptr<ProcessRunner> makeProcessRunner();

// The last non-empty line of `output`, at most 300 characters: the part of an error worth
// reporting.
std::string lastLine(const std::string& output);

}  // namespace photon::agent
