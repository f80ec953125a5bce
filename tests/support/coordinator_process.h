// A real photon-coordinator process (the built binary) on 127.0.0.1, port 0, with the test
// tokens in files of `dir`, killed by its PID when the object goes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

class CoordinatorProcess {
 public:
  // `store_args`: "--data-dir D" or "--store etcd --etcd-endpoints ..." and any other flags.
  CoordinatorProcess(const TempDir& dir, const std::string& name,
                     const std::vector<std::string>& store_args);
  // -1 when it did not come up.
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& logFile() const { return log_; }
  void kill(int signal) { child_->kill(signal); }
  bool running() { return child_->running(); }
  pid_t pid() const { return child_->pid(); }

 private:
  std::unique_ptr<ChildProcess> child_;
  std::string log_;
  int port_ = -1;
};

}  // namespace photon::test
