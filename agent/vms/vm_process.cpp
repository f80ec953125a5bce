#include "agent/vms/vm_process.h"

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "agent/core/process_runner.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;

class PosixProcessRunner final : public VmProcessRunner {
 public:
  common::Result<pid_t> spawn(const VmLaunch& launch) override {
    return spawnDetached(launch.argv, launch.log_path);
  }

  VmProcessStatus status(const std::string&, pid_t pid) override {
    VmProcessStatus s;
    if (pid <= 0) return s;
    s.pid = pid;
    int wstatus = 0;
    pid_t r = ::waitpid(pid, &wstatus, WNOHANG);
    if (r == pid) {
      s.exit_known = true;
      if (WIFEXITED(wstatus)) s.exit_code = WEXITSTATUS(wstatus);
      if (WIFSIGNALED(wstatus)) s.signal = WTERMSIG(wstatus);
      return s;
    }
    if (r == 0) {
      s.alive = true;
      return s;
    }
    // Not our child (adopted after an agent restart): alive unless gone or a zombie.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return s;
    auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos || close_paren + 2 >= line.size()) return s;
    s.alive = line[close_paren + 2] != 'Z' && line[close_paren + 2] != 'X';
    return s;
  }

  common::Status kill(pid_t pid, int signal) override { return killProcess(pid, signal); }

  common::Result<int> run(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout) override {
    PHOTON_TRY(ProcessResult r, runner_->run(argv, timeout));
    if (r.timed_out || r.signal != 0) {
      return fail(ErrorCode::kUnavailable, argv[0] + ": " + r.describe());
    }
    return r.exit_code;
  }

  std::vector<std::string> commandLine(pid_t pid) override { return processCommandLine(pid); }

 private:
  std::unique_ptr<ProcessRunner> runner_ = makeProcessRunner();
};

}  // namespace

common::Status killProcess(pid_t pid, int signal) {
  if (pid <= 0 || ::kill(pid, signal) != 0) {
    return fail(ErrorCode::kUnavailable,
                "kill " + std::to_string(pid) + ": " + std::strerror(errno));
  }
  return {};
}

std::vector<std::string> processCommandLine(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> out;
  std::string arg;
  while (std::getline(in, arg, '\0')) out.push_back(arg);
  return out;
}

std::unique_ptr<VmProcessRunner> makeVmProcessRunner() {
  return std::make_unique<PosixProcessRunner>();
}

}  // namespace photon::agent
