#include "agent/bootstrap/command_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

// execve does not search PATH; resolve the program here, before fork, where allocating is safe.
std::string resolveProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/run/current-system/sw/bin:/usr/bin:/bin";
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

class ForkExecRunner final : public CommandRunner {
 public:
  common::Result<CommandResult> run(const std::vector<std::string>& argv,
                                    std::chrono::seconds timeout) override {
    if (argv.empty() || argv[0].empty()) return common::invalid("argv", "empty command");
    std::string program = resolveProgram(argv[0]);
    if (program.empty()) return fail(ErrorCode::kNotFound, argv[0] + ": not found in PATH");
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return fail(ErrorCode::kInternal, std::string("pipe: ") + std::strerror(errno));
    }
    Fd read_end(fds[0]), write_end(fds[1]);
    Fd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    // Reports a failed execve to the parent: the child writes errno, CLOEXEC closes it on success.
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      return fail(ErrorCode::kInternal, std::string("pipe: ") + std::strerror(errno));
    }
    Fd exec_read(fds[0]), exec_write(fds[1]);

    pid_t pid = ::fork();
    if (pid < 0) return fail(ErrorCode::kInternal, std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      // Only async-signal-safe calls from here on. The agent blocks SIGTERM/SIGHUP for its
      // signal thread; the step must get the default mask back.
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      ::setpgid(0, 0);  // its own group, so a timeout kills what it started too
      if (devnull.fd >= 0) ::dup2(devnull.fd, STDIN_FILENO);
      ::dup2(write_end.fd, STDOUT_FILENO);
      ::dup2(write_end.fd, STDERR_FILENO);
      ::execve(program.c_str(), args.data(), environ);
      int err = errno;
      (void)!::write(exec_write.fd, &err, sizeof err);
      ::_exit(127);
    }
    write_end.reset();
    exec_write.reset();

    CommandResult result;
    int exec_errno = 0;
    if (::read(exec_read.fd, &exec_errno, sizeof exec_errno) == sizeof exec_errno) {
      ::waitpid(pid, nullptr, 0);
      return fail(ErrorCode::kUnavailable, "execve " + program + ": " + std::strerror(exec_errno));
    }

    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[8192];
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        break;
      }
      pollfd p{read_end.fd, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) continue;
      ssize_t n = ::read(read_end.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // every writer closed: the step (and its children) are done with it
      result.output.append(buf, static_cast<size_t>(n));
      if (result.output.size() > 2 * kMaxCommandOutput) {
        result.output.erase(0, result.output.size() - kMaxCommandOutput);
      }
    }
    if (result.output.size() > kMaxCommandOutput) {
      result.output.erase(0, result.output.size() - kMaxCommandOutput);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
    }
    return result;
  }
};
}  // namespace

std::string CommandResult::describe() const {
  if (timed_out) return "timed out";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit " + std::to_string(exit_code);
}

std::unique_ptr<CommandRunner> makeCommandRunner() { return std::make_unique<ForkExecRunner>(); }

std::string outputTail(const std::string& output, size_t lines) {
  size_t end = output.size();
  while (end > 0 && output[end - 1] == '\n') --end;
  size_t at = end;
  for (size_t seen = 0; at > 0; --at) {
    if (output[at - 1] == '\n' && ++seen == lines) break;
  }
  return output.substr(at, end - at);
}

}  // namespace photon::agent
