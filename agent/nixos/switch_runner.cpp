#include "agent/nixos/switch_runner.h"

namespace photon::agent {
namespace {

class ChildSwitchRunner final : public SwitchRunner {
 public:
  explicit ChildSwitchRunner(ProcessRunner& runner) : runner_(runner) {}

  common::Result<ProcessResult> run(const std::string&, const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout) override {
    return runner_.run(argv, timeout);
  }

  // The child died with the agent before (PR_SET_PDEATHSIG): nothing is left to adopt.
  common::Result<std::optional<ProcessResult>> adopt(const std::string&,
                                                     std::chrono::milliseconds) override {
    return std::optional<ProcessResult>();
  }

  void release(const std::string&) override {}
  void abandon() override {}

 private:
  ProcessRunner& runner_;
};

}  // namespace

std::unique_ptr<SwitchRunner> makeChildSwitchRunner(ProcessRunner& runner) {
  return std::make_unique<ChildSwitchRunner>(runner);
}

}  // namespace photon::agent
