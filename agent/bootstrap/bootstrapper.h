// Bootstrap mode, what the ISO runs: phone home (with backoff) until the coordinator hands out
// an install plan, keep the node's credentials in the state dir, run the install steps and
// report each phase as the node's observed state.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "agent/bootstrap/install_steps.h"
#include "agent/core/process_runner.h"
#include "agent/facts/collector.h"
#include "common/api/install_report.h"
#include "common/http_client.h"

namespace photon::agent {

struct BootstrapOptions {
  std::string state_dir;
  std::vector<Argv> steps = defaultInstallSteps();
  std::chrono::seconds step_timeout{3 * 3600};
  std::chrono::milliseconds plan_poll_interval{10'000};
  std::chrono::milliseconds retry_initial{1'000};
  std::chrono::milliseconds retry_max{60'000};
  int max_attempts = 0;  // phone-home attempts in a row that may fail; 0: no limit
};

struct BootstrapOutcome {
  std::string node_id;
  common::InstallPlan plan;
};

class Bootstrapper {
 public:
  using Sleep = std::function<void(std::chrono::milliseconds)>;
  using Log = std::function<void(int level, const std::string&)>;  // level as in common/log.h

  Bootstrapper(BootstrapOptions options, MachineFacts machine, common::HttpClient& client,
               std::string bootstrap_token, ProcessRunner& runner, Sleep sleep, Log log);

  // Makes the state dir and checks that it is writable before anything is sent.
  // Returns once the install is done (the node is then `active`), or the error that stopped it
  // (a failed step has been reported as `failed` already).
  [[nodiscard]] common::Result<BootstrapOutcome> run();

 private:
  struct PhoneHomeAnswer {
    std::string node_id;
    std::string state;
    std::string token;
    std::optional<common::InstallPlan> plan;
  };
  common::Result<PhoneHomeAnswer> phoneHomeOnce();
  common::Result<PhoneHomeAnswer> phoneHomeWithRetries();
  common::Result<common::InstallPlan> waitForPlan(std::string& node_id);
  // PUT …/observed with the install part (common/api/install_report.h) and the facts' digest.
  common::Status report(const std::string& node_id, const common::InstallReport& install);
  common::Status runSteps(const std::string& node_id, const common::InstallPlan& plan);
  // The node's client certificate, once it is approved; without one (a coordinator that
  // issues none, or one that did not answer) the install goes on with the token.
  void obtainCertificate(const std::string& node_id);

  BootstrapOptions options_;
  MachineFacts machine_;
  common::HttpClient& client_;
  std::string bootstrap_token_;
  std::string node_token_;
  ProcessRunner& runner_;
  Sleep sleep_;
  Log log_;
};

}  // namespace photon::agent
