// A program the test starts (fork + execve, an argument vector) and that is killed by its PID
// when the test ends, however it ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace photon::test {

class ChildProcess {
 public:
  // Output (stdout and stderr) goes to `log_file` when given, else to /dev/null.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_file = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  // Sends `signal` and waits for the exit; returns the wait status.
  int kill(int signal);
  // Waits for the exit up to `timeout`; returns the exit code, or -1 when still running.
  int wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// Polls `path` until it holds a number (a port file), up to `timeout`; -1 when it never does.
int waitForPortFile(const std::string& path, std::chrono::milliseconds timeout);

}  // namespace photon::test
