#include "agent/core/process_runner.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "agent/core/os_error.h"
#include "agent/core/program_path.h"
#include "agent/core/unique_fd.h"

extern char** environ;

namespace photon::agent {
// Looked up before fork: the child only calls async-signal-safe functions.
std::string resolveProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/run/current-system/sw/bin:/usr/local/bin:/usr/bin:/bin";
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

namespace {
using common::ErrorCode;
using common::fail;

// What fork needs prepared: the program, its argv, and a pipe on which a failed execve reports
// its errno (CLOEXEC closes it on success).
struct Exec {
  std::string program;
  std::vector<char*> args;
  UniqueFd error_read, error_write;
};

common::Result<Exec> prepare(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0].empty()) return common::invalid("argv", "empty argument vector");
  Exec e;
  e.program = resolveProgram(argv[0]);
  if (e.program.empty()) return fail(ErrorCode::kNotFound, argv[0] + ": not found in PATH");
  for (const auto& a : argv) e.args.push_back(const_cast<char*>(a.c_str()));
  e.args.push_back(nullptr);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return osError("pipe");
  e.error_read.reset(fds[0]);
  e.error_write.reset(fds[1]);
  return e;
}

// In the child: takes on `as` (groups first: they need the privilege the uid change drops). On
// failure the errno goes up the exec pipe, as a failed execve's would. Raw system calls, not
// glibc's wrappers: those change the ids of every thread glibc knows of, and a child started by
// clone3 (startChild) still carries the parent's thread list; the child has one thread.
void becomeUser(Exec& e, const RunAs& as) {
  if (::syscall(SYS_setgroups, as.groups.size(), as.groups.data()) == 0 &&
      ::syscall(SYS_setresgid, as.gid, as.gid, as.gid) == 0 &&
      ::syscall(SYS_setresuid, as.uid, as.uid, as.uid) == 0) {
    return;
  }
  int err = errno;
  (void)!::write(e.error_write.get(), &err, sizeof err);
  ::_exit(127);
}

// In the child, after the caller's own setup: stdio, an empty signal mask, execve. Only
// async-signal-safe calls.
[[noreturn]] void execChild(Exec& e, int in, int out) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(out, 2);
  ::execve(e.program.c_str(), e.args.data(), environ);
  int err = errno;
  (void)!::write(e.error_write.get(), &err, sizeof err);
  ::_exit(127);
}

// In the parent: an error when the child's execve failed (the child is reaped then).
common::Status awaitExec(Exec& e, pid_t pid) {
  e.error_write.reset();
  int err = 0;
  ssize_t n;
  do {
    n = ::read(e.error_read.get(), &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  if (n != sizeof err) return {};
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return fail(ErrorCode::kUnavailable, "execve " + e.program + ": " + std::strerror(err));
}

// How the child got into its cgroup.
struct Started {
  pid_t pid = -1;  // 0 in the child, as from fork; -1 and errno on failure
  int pidfd = -1;  // from clone3 (CLONE_PIDFD); after fork the caller opens one
  UniqueFd join;   // after fork: the target's cgroup.procs, which the child writes first
};

// fork, or with a cgroup clone3 with CLONE_INTO_CGROUP: the child is in that cgroup from its
// first instruction, so it never counts against the agent's cgroup nor escapes the target's
// limits for a moment. Where clone3 is refused with ENOSYS (systemd's RestrictNamespaces=, as
// the agent's NixOS unit has, blocks it that way: its flags cannot be filtered; or a kernel
// before 5.7), fork, and the child writes "0" into the cgroup's cgroup.procs before anything
// else (and before the uid change, which would take the right to): it never execs in the
// agent's cgroup, only its few setup system calls run there.
Started startChild(int cgroup_fd) {
  Started s;
  if (cgroup_fd < 0) {
    s.pid = ::fork();
    return s;
  }
  clone_args args{};
  args.flags = CLONE_INTO_CGROUP | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(&s.pidfd);
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroup_fd);
  s.pid = static_cast<pid_t>(::syscall(SYS_clone3, &args, sizeof args));
  // ENOSYS: no clone3 (before 5.3) or a seccomp filter that refuses it (systemd's
  // RestrictNamespaces); E2BIG/EINVAL: a clone3 without CLONE_INTO_CGROUP (5.3 to 5.6); EPERM:
  // another filter. Each falls back to fork and a write to cgroup.procs.
  if (s.pid >= 0 || (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EPERM)) {
    return s;
  }
  s.pidfd = -1;
  s.join.reset(::openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC));
  if (!s.join.valid()) return s;
  s.pid = ::fork();
  return s;
}

// In the child after fork: into the cgroup of `join`, or nothing runs.
void joinCgroup(Exec& e, int join) {
  if (join < 0 || ::write(join, "0", 1) == 1) return;
  int err = errno;
  (void)!::write(e.error_write.get(), &err, sizeof err);
  ::_exit(127);
}

class ExecProcessRunner final : public ProcessRunner {
 public:
  common::Result<ProcessResult> run(const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) override {
    return runWith(argv, timeout, nullptr, -1, {});
  }

  common::Result<ProcessResult> run(const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout,
                                    std::stop_token stop) override {
    return runWith(argv, timeout, nullptr, -1, std::move(stop));
  }

  common::Result<ProcessResult> runAs(const std::vector<std::string>& argv,
                                      std::chrono::milliseconds timeout, const RunAs& as) override {
    return runWith(argv, timeout, &as, -1, {});
  }

  common::Result<ProcessResult> runInCgroup(const std::vector<std::string>& argv,
                                            std::chrono::milliseconds timeout,
                                            const Confinement& how) override {
    if (how.cgroup_fd < 0) {
      return common::invalid("cgroup", "no cgroup to run " + argv.at(0) + " in");
    }
    return runWith(argv, timeout, how.as, how.cgroup_fd, {}, how.pass_fds);
  }

 private:
  common::Result<ProcessResult> runWith(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout, const RunAs* as,
                                        int cgroup_fd, std::stop_token stop,
                                        const std::vector<int>& pass_fds = {}) {
    // A stop request wakes the wait below at once through this eventfd.
    UniqueFd wake;
    if (stop.stop_possible()) {
      wake.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
      if (!wake.valid()) return osError("eventfd");
    }
    std::stop_callback on_stop(stop, [fd = wake.get()] { (void)!::eventfd_write(fd, 1); });
    PHOTON_TRY(Exec exec, prepare(argv));
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) return osError("pipe");
    UniqueFd out(pipefd[0]);
    UniqueFd in_child(pipefd[1]);
    UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!devnull.valid()) return osError("open /dev/null");

    const pid_t parent = ::getpid();
    const auto started = std::chrono::steady_clock::now();
    Started child = startChild(cgroup_fd);
    const pid_t pid = child.pid;
    if (pid < 0) {
      if (cgroup_fd < 0) return osError("fork " + argv[0]);
      return osError("start in its cgroup " + argv[0], ErrorCode::kUnavailable);
    }
    if (pid == 0) {
      ::setpgid(0, 0);
      joinCgroup(exec, child.join.get());
      // Only the child's copies lose O_CLOEXEC: another thread's child never inherits them.
      for (int fd : pass_fds) ::fcntl(fd, F_SETFD, 0);
      if (as) becomeUser(exec, *as);
      // After the uid change, which clears the parent-death signal.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      execChild(exec, devnull.get(), in_child.get());
    }
    UniqueFd pidfd(child.pidfd >= 0 ? child.pidfd
                                    : static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    child.join.reset();
    ::setpgid(pid, pid);  // also from here, so the group exists before any kill below
    in_child.reset();
    PHOTON_CHECK(awaitExec(exec, pid));
    ::fcntl(out.get(), F_SETFL, O_NONBLOCK);

    ProcessResult result;
    const auto deadline = started + timeout;
    bool exited = false;
    int status = 0;
    auto drain = [&] {
      char buf[8192];
      while (true) {
        ssize_t n = ::read(out.get(), buf, sizeof buf);
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
      if (left.count() <= 0 || stop.stop_requested()) {
        (left.count() <= 0 ? result.timed_out : result.stopped) = true;
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        break;
      }
      // poll skips negative fds: the output once at EOF, the pidfd on a kernel without one (then
      // the child is checked every 50 ms).
      pollfd fds[3] = {
          {eof ? -1 : out.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}, {wake.get(), POLLIN, 0}};
      int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), pidfd.valid() ? 1000 : 50));
      int r = ::poll(fds, 3, wait_ms);
      if (r < 0 && errno != EINTR) return osError("poll");
      if (!eof && drain()) eof = true;
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) exited = true;
    }
    if (!exited) ::waitpid(pid, &status, 0);
    drain();  // what the child wrote before it ended; grandchildren may keep the pipe open
    if (!result.timed_out && !result.stopped) {
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

common::Result<pid_t> spawnDetached(const std::vector<std::string>& argv,
                                    const std::string& log_path) {
  PHOTON_TRY(Exec exec, prepare(argv));
  UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  UniqueFd log(::open(log_path.empty() ? "/dev/null" : log_path.c_str(),
                      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!devnull.valid() || !log.valid()) {
    return osError("open " + log_path, ErrorCode::kUnavailable);
  }
  pid_t pid = ::fork();
  if (pid < 0) return osError("fork " + argv[0], ErrorCode::kUnavailable);
  if (pid == 0) {
    ::setsid();
    execChild(exec, devnull.get(), log.get());
  }
  PHOTON_CHECK(awaitExec(exec, pid));
  return pid;
}

std::string lastLine(const std::string& output) {
  size_t end = output.find_last_not_of(" \n\r\t");
  if (end == std::string::npos) return {};
  size_t start = output.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  std::string line = output.substr(start, end - start + 1);
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

std::string outputTail(const std::string& output, size_t lines) {
  size_t end = output.size();
  while (end > 0 && output[end - 1] == '\n') --end;
  size_t at = end;
  for (size_t seen = 0; at > 0; --at) {
    if (output[at - 1] == '\n' && ++seen == lines) break;
  }
  return output.substr(at, end - at);
}

common::Result<ProcessResult> ProcessRunner::runAs(const std::vector<std::string>& argv,
                                                   std::chrono::milliseconds, const RunAs&) {
  return common::fail(common::ErrorCode::kUnavailable,
                      "run " + (argv.empty() ? std::string() : argv[0]) +
                          ": this runner cannot run a program as another user");
}

common::Result<ProcessResult> ProcessRunner::runInCgroup(const std::vector<std::string>& argv,
                                                         std::chrono::milliseconds,
                                                         const Confinement&) {
  return common::fail(common::ErrorCode::kUnavailable,
                      "run " + (argv.empty() ? std::string() : argv[0]) +
                          ": this runner cannot start a program in another cgroup");
}

std::string ProcessResult::status() const {
  if (timed_out) return "timed out";
  if (stopped) return "stopped";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exit code " + std::to_string(exit_code);
}

std::string ProcessResult::describe() const {
  std::string line = lastLine(output);
  return line.empty() ? status() : status() + ": " + line;
}

std::unique_ptr<ProcessRunner> makeProcessRunner() {
  return std::make_unique<ExecProcessRunner>();
}

}  // namespace photon::agent
