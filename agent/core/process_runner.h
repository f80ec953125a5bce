// Runs a program from an argument vector (never a shell string) with a deadline, capturing its
// combined stdout and stderr: the agent's one fork/execve (nixos activation and health checks,
// bootstrap install steps, qemu-img), and spawnDetached for QEMU, which must outlive the agent.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "common/result.h"

namespace photon::agent {

struct ProcessResult {
  int exit_code = -1;      // valid when signal == 0 and !timed_out
  int signal = 0;          // the signal that ended it, if one did
  bool timed_out = false;  // killed at the deadline
  bool stopped = false;    // killed because the caller asked (run with a stop_token)
  std::string output;      // stdout and stderr interleaved, the last kMaxOutput bytes

  bool ok() const { return !timed_out && !stopped && signal == 0 && exit_code == 0; }
  // "exit code 1", "timed out", "stopped", "killed by signal 9".
  std::string status() const;
  // status() and the last line of output: "exit code 1: <last line>".
  std::string describe() const;
};

// The credentials a program runs with instead of the agent's (see user_credentials.h).
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups, replacing the agent's
};

// Where and as whom runInCgroup starts a program.
struct Confinement {
  int cgroup_fd = -1;         // an open cgroup2 directory (required)
  const RunAs* as = nullptr;  // as runAs, when set
  std::vector<int> pass_fds;  // O_CLOEXEC descriptors the program inherits, under their numbers
};

class ProcessRunner {
 public:
  static constexpr size_t kMaxOutput = 64 * 1024;

  virtual ~ProcessRunner() = default;
  // argv[0] is an absolute path or a name looked up in PATH. An error means the program could
  // not be started at all (not found, execve refused); any way it ended is a ProcessResult.
  [[nodiscard]] virtual common::Result<ProcessResult> run(const std::vector<std::string>& argv,
                                                          std::chrono::milliseconds timeout) = 0;
  // The same as `as`: the child drops the agent's groups, gid and uid (so every capability)
  // before execve, and fails to start when it cannot. A runner that cannot do this refuses.
  // The same, but also killed (its whole process group, as at the deadline) as soon as `stop`
  // is requested: the result says `stopped`. A runner that cannot watch `stop` runs to the end.
  [[nodiscard]] virtual common::Result<ProcessResult> run(const std::vector<std::string>& argv,
                                                          std::chrono::milliseconds timeout,
                                                          std::stop_token stop) {
    (void)stop;
    return run(argv, timeout);
  }
  [[nodiscard]] virtual common::Result<ProcessResult> runAs(const std::vector<std::string>& argv,
                                                            std::chrono::milliseconds timeout,
                                                            const RunAs& as);
  // The same, confined as `how` says: the child starts in the cgroup2 directory `cgroup_fd`
  // instead of the agent's, so it counts against that cgroup's limits from its first
  // instruction and is killed with it. A runner that cannot do this refuses.
  [[nodiscard]] virtual common::Result<ProcessResult> runInCgroup(
      const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
      const Confinement& how);
};

// fork/execve. The child gets its own process group (killed as a whole at the deadline),
// stdin from /dev/null, the agent's environment, an empty signal mask (the agent blocks
// SIGTERM/SIGHUP for its signal thread), and dies with the agent (PR_SET_PDEATHSIG), as it
// would with systemd's control-group kill mode.
std::unique_ptr<ProcessRunner> makeProcessRunner();

// Starts argv in a session of its own (it outlives the agent; nothing kills it with the
// agent), stdin from /dev/null, stdout and stderr appended to `log_path` ("" : /dev/null).
// Returns its pid; reaping it is the caller's.
[[nodiscard]] common::Result<pid_t> spawnDetached(const std::vector<std::string>& argv,
                                                  const std::string& log_path);

// The last non-empty line of `output`, at most 300 characters: the part of an error worth
// reporting.
std::string lastLine(const std::string& output);
// The last `lines` lines of `output` (the report of a failed install step).
std::string outputTail(const std::string& output, size_t lines = 20);

}  // namespace photon::agent
