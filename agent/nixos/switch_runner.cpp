#include "agent/nixos/switch_runner.h"

#include <stop_token>

namespace photon::agent {
namespace {

class ChildSwitchRunner final : public SwitchRunner {
 public:
  explicit ChildSwitchRunner(ProcessRunner& runner) : runner_(runner) {}

  common::Result<ProcessResult> run(const std::string&, const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout,
                                    const std::vector<std::string>& environment) override {
    std::vector<std::string> with;
    if (!environment.empty()) {
      // The child has the agent's environment; env(1) adds the run's, by argv as ever.
      with = {"env"};
      with.insert(with.end(), environment.begin(), environment.end());
    }
    with.insert(with.end(), argv.begin(), argv.end());
    if (stop_.stop_requested()) return abandoned();
    auto result = runner_.run(with, timeout, stop_.get_token());
    if (result && result->stopped) return abandoned();
    return result;
  }

  // The child died with the agent before (PR_SET_PDEATHSIG): nothing is left to adopt.
  common::Result<std::optional<ProcessResult>> adopt(const std::string&,
                                                     std::chrono::milliseconds) override {
    return std::optional<ProcessResult>();
  }

  void release(const std::string&) override {}
  void abandon() override { stop_.request_stop(); }

 private:
  static std::unexpected<common::Error> abandoned() {
    return common::fail(common::ErrorCode::kUnavailable,
                        "the agent is stopping: switch-to-configuration, its child, was killed "
                        "(the next agent rolls back)");
  }

  ProcessRunner& runner_;
  std::stop_source stop_;
};

}  // namespace

std::vector<std::string> switchEnvironment(bool install_bootloader) {
  if (!install_bootloader) return {};
  return {"NIXOS_INSTALL_BOOTLOADER=1"};
}

std::unique_ptr<SwitchRunner> makeChildSwitchRunner(ProcessRunner& runner) {
  return std::make_unique<ChildSwitchRunner>(runner);
}

}  // namespace photon::agent
