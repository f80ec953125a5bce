#include "agent/units/health_probe.h"

#include <linux/capability.h>

#include <fstream>

#include "agent/core/program_path.h"
#include "agent/core/user_credentials.h"
#include "agent/units/container_check.h"
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

// Inside the container (container_check.h), as the container's user: the program, its files
// and its user database are the container's. Nothing runs on the node when the container is not
// found.
Status checkInContainer(ProcessRunner& runner, ContainerLocator* containers,
                        const HealthCheckSpec& spec) {
  auto where = "run " + spec.exec.front() + " in " + spec.container_unit;
  if (!spec.user.empty()) where += " as " + spec.user;
  auto unavailable = [&](const common::Error& e) {
    return fail(ErrorCode::kUnavailable, where + ": " + e.message);
  };
  if (!containers) return fail(ErrorCode::kUnavailable, where + ": no way to reach containers");
  ContainerCheck check;
  check.setpriv = resolveProgram("setpriv");
  check.nsenter = resolveProgram("nsenter");
  if (check.setpriv.empty() || check.nsenter.empty()) {
    return fail(ErrorCode::kUnavailable, where + ": setpriv and nsenter (util-linux) not in PATH");
  }
  // setpriv drops from the bounding set only with CAP_SETPCAP, and without it says nothing: the
  // check would keep the agent's capabilities. Refused instead.
  std::ifstream self("/proc/self/status");
  std::string own((std::istreambuf_iterator<char>(self)), {});
  if (!(parseProcStatus(own).effective_caps & (uint64_t{1} << CAP_SETPCAP))) {
    return fail(ErrorCode::kUnavailable,
                where +
                    ": the agent lacks CAP_SETPCAP, so the check could not be confined to "
                    "the container's capabilities");
  }
  auto leader = containers->leaderOf(spec.container_unit);
  if (!leader) return unavailable(leader.error());
  check.leader = *leader;
  std::ifstream status("/proc/" + std::to_string(*leader) + "/status");
  std::string text((std::istreambuf_iterator<char>(status)), {});
  check.bounding_caps = parseProcStatus(text).bounding_caps;
  if (!spec.user.empty()) {
    auto as = containerUser(*leader, spec.user);
    if (!as) return unavailable(as.error());
    check.as = *as;
  }
  check.exec = spec.exec;
  auto result = runner.run(containerCheckArgv(check), std::chrono::milliseconds(spec.timeout_ms));
  if (!result) return unavailable(result.error());
  if (result->ok()) return {};
  return fail(ErrorCode::kUnavailable, where + ": " + result->describe());
}

class SystemHealthProbe final : public HealthProbe {
 public:
  SystemHealthProbe(std::unique_ptr<ProcessRunner> runner,
                    std::shared_ptr<ContainerLocator> containers)
      : runner_(std::move(runner)), containers_(std::move(containers)) {}

  Status check(const HealthCheckSpec& spec) override {
    switch (spec.kind) {
      case HealthKind::kTcp:
        return checkTcpWithin(spec.port, timeout(spec));
      case HealthKind::kHttp:
        return checkHttpWithin(spec.port, spec.path, timeout(spec));
      case HealthKind::kExec:
        if (!spec.container_unit.empty()) {
          return checkInContainer(*runner_, containers_.get(), spec);
        }
        return checkExec(*runner_, spec);
      case HealthKind::kNone:
        return {};
    }
    return {};
  }

 private:
  std::unique_ptr<ProcessRunner> runner_;
  std::shared_ptr<ContainerLocator> containers_;
};

}  // namespace

std::unique_ptr<HealthProbe> makeSystemHealthProbe(std::unique_ptr<ProcessRunner> runner,
                                                   std::shared_ptr<ContainerLocator> containers) {
  return std::make_unique<SystemHealthProbe>(std::move(runner), std::move(containers));
}

}  // namespace photon::agent
