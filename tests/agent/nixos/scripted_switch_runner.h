// A switch runner whose systemd the test scripts: it cannot be asked about a run the first
// `adopt_failures` times (as while the manager re-executes itself for a new generation) and then
// reports that the run succeeded; runs are recorded with their environment and succeed at once,
// or run for real through `delegate` when one is given.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/nixos/switch_runner.h"

namespace photon::test {

struct SwitchCalls {
  struct Run {
    std::string name;
    std::vector<std::string> environment;
  };
  int adopts = 0;
  std::vector<Run> runs;
};

class ScriptedSwitchRunner final : public agent::SwitchRunner {
 public:
  ScriptedSwitchRunner(std::shared_ptr<SwitchCalls> calls, int adopt_failures,
                       std::unique_ptr<agent::SwitchRunner> delegate = nullptr)
      : calls_(std::move(calls)), failures_(adopt_failures), delegate_(std::move(delegate)) {}

  common::Result<agent::ProcessResult> run(const std::string& name,
                                           const std::vector<std::string>& argv,
                                           std::chrono::milliseconds timeout,
                                           const std::vector<std::string>& environment) override {
    calls_->runs.push_back({name, environment});
    if (delegate_) return delegate_->run(name, argv, timeout, environment);
    return agent::ProcessResult{.exit_code = 0};
  }
  common::Result<std::optional<agent::ProcessResult>> adopt(const std::string& name,
                                                            std::chrono::milliseconds) override {
    if (++calls_->adopts <= failures_) {
      return common::fail(common::ErrorCode::kUnavailable,
                          "read photon-" + name + ".service: Connection reset by peer");
    }
    return std::optional<agent::ProcessResult>(agent::ProcessResult{.exit_code = 0});
  }
  void release(const std::string&) override {}
  void abandon() override {}

 private:
  std::shared_ptr<SwitchCalls> calls_;
  int failures_;
  std::unique_ptr<agent::SwitchRunner> delegate_;
};

}  // namespace photon::test
