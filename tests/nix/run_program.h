// Runs a program for a test with an argument vector (posix_spawn, never a shell), its output
// captured in files, bounded in time: nix-instantiate for the Nix tests, qemu and the ISO
// builder for the ISO test. Header-only so that both test programs use it without a library.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace photon::test {

inline std::string readWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A started child. The destructor kills and reaps it, so a failing test leaves no QEMU behind.
class ChildProcess {
 public:
  // stdout and stderr go to the given files (created or truncated); stdin is /dev/null.
  ChildProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
               const std::string& stderr_path,
               const std::map<std::string, std::string>& extra_env = {}) {
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      std::string entry(*e);
      auto eq = entry.find('=');
      if (eq != std::string::npos && extra_env.contains(entry.substr(0, eq))) continue;
      env_strings.push_back(entry);
    }
    for (const auto& [k, v] : extra_env) env_strings.push_back(k + "=" + v);
    std::vector<char*> args, envp;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    // Its own process group, so that kill() also reaches what a script started.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    int rc = posix_spawnp(&pid_, args[0], &actions, &attr, args.data(), envp.data());
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("spawn " + argv[0] + ": " + std::to_string(rc));
    pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  }
  ~ChildProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    if (pidfd_ >= 0) close(pidfd_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }

  // The exit code, or -1 when it did not end within `timeout` (then it is still running).
  // Waits on the process's pidfd rather than polling.
  int wait(std::chrono::milliseconds timeout) {
    if (exited_) return exit_code_;
    if (pidfd_ >= 0) {
      pollfd p{pidfd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return -1;
    }
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return -1;
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }
  bool running() {
    if (exited_) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return !exited_;
  }

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
};

struct ProgramResult {
  int exit_code = -1;  // -1: killed after the timeout
  std::string out;
  std::string err;
};

// Runs `argv` to completion (killed after `timeout`); its output lands in `scratch_dir`.
inline ProgramResult runProgram(const std::vector<std::string>& argv,
                                const std::string& scratch_dir,
                                const std::map<std::string, std::string>& extra_env = {},
                                std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  static int counter = 0;
  std::string base =
      scratch_dir + "/run-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  ProgramResult result;
  {
    ChildProcess child(argv, base + ".out", base + ".err", extra_env);
    result.exit_code = child.wait(timeout);
  }
  result.out = readWholeFile(base + ".out");
  result.err = readWholeFile(base + ".err");
  unlink((base + ".out").c_str());
  unlink((base + ".err").c_str());
  return result;
}

}  // namespace photon::test
