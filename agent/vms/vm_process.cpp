#include "agent/vms/vm_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;

extern "C" char** environ;

std::string resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  const char* path = ::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return program;
}

// Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
common::Result<pid_t> forkExec(const std::vector<std::string>& argv, const std::string& log_path,
                               bool new_session) {
  if (argv.empty()) return fail(ErrorCode::kInvalid, "spawn: empty argument vector");
  std::string program = resolve(argv[0]);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int log_fd = ::open(log_path.empty() ? "/dev/null" : log_path.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (null_fd < 0 || log_fd < 0) {
    int err = errno;
    if (null_fd >= 0) ::close(null_fd);
    if (log_fd >= 0) ::close(log_fd);
    return fail(ErrorCode::kUnavailable, "open " + log_path + ": " + std::strerror(err));
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    if (new_session) ::setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(program.c_str(), args.data(), environ);
    ::_exit(127);
  }
  int err = errno;
  ::close(null_fd);
  ::close(log_fd);
  if (pid < 0) return fail(ErrorCode::kUnavailable, std::string("fork: ") + std::strerror(err));
  return pid;
}

class PosixProcessRunner final : public VmProcessRunner {
 public:
  common::Result<pid_t> spawn(const std::vector<std::string>& argv,
                              const std::string& log_path) override {
    return forkExec(argv, log_path, /*new_session=*/true);
  }

  VmProcessStatus status(pid_t pid) override {
    VmProcessStatus s;
    if (pid <= 0) return s;
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

  common::Status kill(pid_t pid, int signal) override {
    if (pid <= 0 || ::kill(pid, signal) != 0) {
      return fail(ErrorCode::kUnavailable,
                  "kill " + std::to_string(pid) + ": " + std::strerror(errno));
    }
    return {};
  }

  common::Result<int> run(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout) override {
    PHOTON_TRY(pid_t pid, forkExec(argv, "", /*new_session=*/false));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int wstatus = 0;
      pid_t r = ::waitpid(pid, &wstatus, WNOHANG);
      if (r == pid) {
        if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
        return fail(ErrorCode::kInternal, argv[0] + ": killed by a signal");
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &wstatus, 0);
        return fail(ErrorCode::kUnavailable, argv[0] + ": timed out");
      }
      // A short helper: polling its exit every 10 ms costs nothing worth a signalfd.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::vector<std::string> commandLine(pid_t pid) override {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::vector<std::string> out;
    std::string arg;
    while (std::getline(in, arg, '\0')) out.push_back(arg);
    return out;
  }
};

}  // namespace

std::unique_ptr<VmProcessRunner> makeVmProcessRunner() {
  return std::make_unique<PosixProcessRunner>();
}

}  // namespace photon::agent
