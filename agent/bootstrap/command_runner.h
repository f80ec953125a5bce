// Runs an install step: fork and execve of an argument vector (never a shell string), stdin
// from /dev/null, stdout and stderr captured together, the tail kept for the failure report.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace photon::agent {

struct CommandResult {
  int exit_code = -1;     // the exit status, or -1 when killed by a signal
  int signal = 0;         // the signal that ended it, 0 when it exited
  std::string output;     // the last kMaxCommandOutput bytes of stdout + stderr
  bool timed_out = false;

  bool ok() const { return exit_code == 0 && !timed_out; }
  std::string describe() const;  // "exit 3", "killed by signal 9", "timed out"
};

inline constexpr size_t kMaxCommandOutput = 64 * 1024;

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  // Runs argv to completion (or until `timeout`, then SIGKILL). A program that cannot be found
  // or started is an error; a program that fails is a result.
  [[nodiscard]] virtual common::Result<CommandResult> run(const std::vector<std::string>& argv,
                                                          std::chrono::seconds timeout) = 0;
};

std::unique_ptr<CommandRunner> makeCommandRunner();

// The last `lines` lines of `output` (the report of a failed step).
std::string outputTail(const std::string& output, size_t lines = 20);

}  // namespace photon::agent
