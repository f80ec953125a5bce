#include "agent/nixos/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

std::unexpected<common::Error> osError(const std::string& what) {
  return fail(ErrorCode::kInternal, what + ": " + std::strerror(errno));
}

// Looked up before fork: the child only calls async-signal-safe functions.
std::string resolveProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty()) {
      std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return {};
}

class ExecProcessRunner final : public ProcessRunner {
 public:
  common::Result<ProcessResult> run(const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) override {
    if (argv.empty()) return fail(ErrorCode::kInvalid, "empty argument vector");
    std::string program = resolveProgram(argv[0]);
    if (program.empty()) return fail(ErrorCode::kNotFound, argv[0] + ": not found in PATH");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) return osError("pipe");
    Fd out(pipefd[0]);
    Fd in_child(pipefd[1]);
    Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (devnull.fd < 0) return osError("open /dev/null");

    const pid_t parent = ::getpid();
    const auto started = std::chrono::steady_clock::now();
    pid_t pid = ::fork();
    if (pid < 0) return osError("fork " + argv[0]);
    if (pid == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      // Not the agent's blocked SIGTERM/SIGINT/SIGHUP (its signal thread's mask).
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      ::dup2(devnull.fd, 0);
      ::dup2(in_child.fd, 1);
      ::dup2(in_child.fd, 2);
      ::execve(program.c_str(), args.data(), environ);
      ::_exit(127);
    }
    ::setpgid(pid, pid);  // also from here, so the group exists before any kill below
    in_child.reset();
    Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    ::fcntl(out.fd, F_SETFL, O_NONBLOCK);

    ProcessResult result;
    const auto deadline = started + timeout;
    bool exited = false;
    int status = 0;
    auto drain = [&] {
      char buf[8192];
      while (true) {
        ssize_t n = ::read(out.fd, buf, sizeof buf);
        if (n <= 0) return n == 0;  // true at EOF
        result.output.append(buf, static_cast<size_t>(n));
        if (result.output.size() > kMaxOutput) {
          result.output.erase(0, result.output.size() - kMaxOutput);
        }
      }
    };
    bool eof = false;
    while (!exited) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        break;
      }
      pollfd fds[2] = {{out.fd, POLLIN, 0}, {pidfd.fd, POLLIN, 0}};
      int nfds = 2;
      if (eof) {
        fds[0] = fds[1];
        nfds = 1;
      }
      // Without a pidfd (old kernel) fall back to checking the child every 50 ms.
      int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), pidfd.fd < 0 ? 50 : 1000));
      if (pidfd.fd < 0 && eof) nfds = 0;
      int r = ::poll(fds, static_cast<nfds_t>(nfds), wait_ms);
      if (r < 0 && errno != EINTR) return osError("poll");
      if (!eof && drain()) eof = true;
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) exited = true;
    }
    if (!exited) ::waitpid(pid, &status, 0);
    drain();  // what the child wrote before it ended; grandchildren may keep the pipe open
    if (!result.timed_out) {
      if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
      } else if (WIFSIGNALED(status)) {
        result.signal = WTERMSIG(status);
      }
    }
    return result;
  }
};
}  // namespace

std::string lastLine(const std::string& output) {
  size_t end = output.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) return {};
  size_t start = output.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  std::string line = output.substr(start, end - start + 1);
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

std::string ProcessResult::describe() const {
  std::string what;
  if (timed_out) {
    what = "timed out";
  } else if (signal != 0) {
    what = "killed by signal " + std::to_string(signal);
  } else {
    what = "exit code " + std::to_string(exit_code);
  }
  std::string line = lastLine(output);
  return line.empty() ? what : what + ": " + line;
}

std::unique_ptr<ProcessRunner> makeProcessRunner() {
  return std::make_unique<ExecProcessRunner>();
}

}  // namespace photon::agent
