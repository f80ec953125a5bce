#include "agent/units/health_probe.h"

#include "agent/core/user_credentials.h"
#include "agent/units/health_exchange.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;
using common::Status;

std::chrono::milliseconds timeout(const HealthCheckSpec& spec) {
  return std::chrono::milliseconds(spec.timeout_ms);
}

// The command through the agent's ProcessRunner: an empty signal mask (the agent blocks SIGTERM
// for its signal thread), and at the deadline its whole process group is killed. As the
// instance's user when it has one: a check is the service's code, not the agent's.
Status checkExec(ProcessRunner& runner, const HealthCheckSpec& spec) {
  auto where = "run " + spec.exec.front();
  const auto timeout = std::chrono::milliseconds(spec.timeout_ms);
  common::Result<ProcessResult> result;
  if (spec.user.empty()) {
    result = runner.run(spec.exec, timeout);
  } else {
    where += " as " + spec.user;
    auto as = credentialsOf(spec.user);
    if (!as) return fail(ErrorCode::kUnavailable, where + ": " + as.error().message);
    result = runner.runAs(spec.exec, timeout, *as);
  }
  if (!result) return fail(ErrorCode::kUnavailable, where + ": " + result.error().message);
  if (result->ok()) return {};
  return fail(ErrorCode::kUnavailable, where + ": " + result->describe());
}

class SystemHealthProbe final : public HealthProbe {
 public:
  explicit SystemHealthProbe(std::unique_ptr<ProcessRunner> runner) : runner_(std::move(runner)) {}

  Status check(const HealthCheckSpec& spec) override {
    switch (spec.kind) {
      case HealthKind::kTcp:
        return checkTcpWithin(spec.port, timeout(spec));
      case HealthKind::kHttp:
        return checkHttpWithin(spec.port, spec.path, timeout(spec));
      case HealthKind::kExec:
        return checkExec(*runner_, spec);
      case HealthKind::kNone:
        return {};
    }
    return {};
  }

 private:
  std::unique_ptr<ProcessRunner> runner_;
};

}  // namespace

std::unique_ptr<HealthProbe> makeSystemHealthProbe(std::unique_ptr<ProcessRunner> runner) {
  return std::make_unique<SystemHealthProbe>(std::move(runner));
}

}  // namespace photon::agent
