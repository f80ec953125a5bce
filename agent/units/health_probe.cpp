#include "agent/units/health_probe.h"

#include <linux/capability.h>

#include <fstream>

#include "agent/core/program_path.h"
#include "agent/core/user_credentials.h"
#include "agent/units/container_check.h"
#include "agent/units/container_entry.h"
#include "agent/units/health_exchange.h"
#include "agent/units/unit_cgroup.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;
using common::Status;

std::chrono::milliseconds timeout(const HealthCheckSpec& spec) {
  return std::chrono::milliseconds(spec.timeout_ms);
}

// What the check's result says: passed, or why not after `where`.
Status outcome(const std::string& where, const common::Result<ProcessResult>& result) {
  if (!result) return fail(ErrorCode::kUnavailable, where + ": " + result.error().message);
  if (result->ok()) return {};
  return fail(ErrorCode::kUnavailable, where + ": " + result->describe());
}

// The command through the agent's ProcessRunner: an empty signal mask (the agent blocks SIGTERM
// for its signal thread), and at the deadline its whole process group is killed. In the cgroup
// of the unit's main process, so that it counts against the unit's limits and dies with it; as
// the instance's user when it has one: a check is the service's code, not the agent's. Nothing
// runs when the unit has no main process.
Status checkExec(ProcessRunner& runner, UnitLocator* units, const HealthCheckSpec& spec) {
  auto where = "run " + spec.exec.front() + " in " + spec.unit;
  if (!spec.user.empty()) where += " as " + spec.user;
  auto unavailable = [&](const common::Error& e) {
    return fail(ErrorCode::kUnavailable, where + ": " + e.message);
  };
  if (!units || spec.unit.empty()) {
    return fail(ErrorCode::kUnavailable, where + ": no way to find the unit's cgroup");
  }
  auto main = units->mainProcessOf(spec.unit);
  if (!main) return unavailable(main.error());
  auto cgroup = openCgroup(main->cgroup);
  if (!cgroup) return unavailable(cgroup.error());
  const auto timeout = std::chrono::milliseconds(spec.timeout_ms);
  if (spec.user.empty()) {
    return outcome(where, runner.runInCgroup(spec.exec, timeout, {.cgroup_fd = cgroup->get()}));
  }
  auto as = credentialsOf(spec.user);
  if (!as) return unavailable(as.error());
  return outcome(where,
                 runner.runInCgroup(spec.exec, timeout, {.cgroup_fd = cgroup->get(), .as = &*as}));
}

// Inside the container (container_check.h), as the container's user, in its leader's cgroup:
// the program, its files and its user database are the container's. Nothing runs on the node
// when the container is not found.
Status checkInContainer(ProcessRunner& runner, UnitLocator* containers,
                        const HealthCheckSpec& spec) {
  auto where = "run " + spec.exec.front() + " in " + spec.unit;
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
  auto leader = containers->leaderOf(spec.unit);
  if (!leader) return unavailable(leader.error());
  // Held (container_entry.h): a leader that has exited by the end of the hold is refused; after
  // it the check enters the held namespaces, which a recycled pid cannot change.
  auto held = holdContainer(*leader, spec.user);
  if (!held) return unavailable(held.error());
  check.fds = {.mnt = held->mnt.get(),
               .uts = held->uts.get(),
               .ipc = held->ipc.get(),
               .net = held->net.get(),
               .pid = held->pid.get(),
               .root = held->root.get()};
  check.bounding_caps = held->bounding_caps;
  check.as = held->as;
  check.exec = spec.exec;
  // nsenter joins no cgroup namespace and moves to no cgroup: the check stays in the leader's.
  return outcome(where, runner.runInCgroup(
                            containerCheckArgv(check), std::chrono::milliseconds(spec.timeout_ms),
                            {.cgroup_fd = held->cgroup.get(), .pass_fds = held->passed()}));
}

class SystemHealthProbe final : public HealthProbe {
 public:
  SystemHealthProbe(std::unique_ptr<ProcessRunner> runner, std::shared_ptr<UnitLocator> units)
      : runner_(std::move(runner)), units_(std::move(units)) {}

  Status check(const HealthCheckSpec& spec) override {
    switch (spec.kind) {
      case HealthKind::kTcp:
        return checkTcpWithin(spec.port, timeout(spec));
      case HealthKind::kHttp:
        return checkHttpWithin(spec.port, spec.path, timeout(spec));
      case HealthKind::kExec:
        if (spec.container) return checkInContainer(*runner_, units_.get(), spec);
        return checkExec(*runner_, units_.get(), spec);
      case HealthKind::kNone:
        return {};
    }
    return {};
  }

 private:
  std::unique_ptr<ProcessRunner> runner_;
  std::shared_ptr<UnitLocator> units_;
};

}  // namespace

std::unique_ptr<HealthProbe> makeSystemHealthProbe(std::unique_ptr<ProcessRunner> runner,
                                                   std::shared_ptr<UnitLocator> units) {
  return std::make_unique<SystemHealthProbe>(std::move(runner), std::move(units));
}

}  // namespace photon::agent
