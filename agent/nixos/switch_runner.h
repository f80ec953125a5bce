// Where switch-to-configuration runs. On a node, in a transient systemd unit of its own
// (photon-<run>.service, as nixos-rebuild does with systemd-run): the activation goes on when
// the agent is killed or restarted in the middle, systemd kills it at its deadline, and the
// restarted agent takes its outcome from the unit, which is kept until the agent has recorded
// it. Without a systemd (hosts running the tests) it is the agent's child and dies with it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/core/process_runner.h"
#include "agent/units/systemd_bus.h"
#include "common/result.h"

namespace photon::agent {

class SwitchRunner {
 public:
  virtual ~SwitchRunner() = default;
  // Runs argv as the run `name` ("switch-<activation id>") until it ends, killed once `timeout`
  // has passed, with `environment` ("KEY=value") added to what it would have. A run of that
  // name still going (an agent before was killed while it ran) is waited for instead of being
  // started a second time.
  [[nodiscard]] virtual common::Result<ProcessResult> run(
      const std::string& name, const std::vector<std::string>& argv,
      std::chrono::milliseconds timeout, const std::vector<std::string>& environment) = 0;
  // A run an agent before this one started: how it ended, waiting while it still goes (killed
  // once `timeout` has passed). Nothing when no such run is known: it never started, the node
  // rebooted since, or (the child runner) it died with its agent.
  [[nodiscard]] virtual common::Result<std::optional<ProcessResult>> adopt(
      const std::string& name, std::chrono::milliseconds timeout) = 0;
  // Forgets a run whose outcome has been recorded; one not known is no error.
  virtual void release(const std::string& name) = 0;
  // The agent is stopping: every wait on a run (run, adopt), now or later, returns at once with
  // an error. A unit's run goes on for the next agent to adopt; a child's run is killed (see
  // makeChildSwitchRunner). Thread-safe.
  virtual void abandon() = 0;
};

// The agent's child, through `runner` (which must outlive it). abandon() kills a run at once
// rather than leave it: the child dies with the agent's thread anyway (PR_SET_PDEATHSIG), no
// later agent can find it to adopt, and waiting for it would hold the agent's shutdown for as
// long as the switch's deadline (minutes), past systemd's stop timeout. The journal still says
// "switching", so the next agent rolls back to what ran before.
std::unique_ptr<SwitchRunner> makeChildSwitchRunner(ProcessRunner& runner);

// photon-<name>.service over `bus`, its stdout and stderr in <log_dir>/<name>.log (the
// ProcessResult's output).
std::unique_ptr<SwitchRunner> makeUnitSwitchRunner(std::shared_ptr<SystemdBus> bus,
                                                   std::string log_dir);

// The unit a run is started as (pure, for the tests to look at).
std::string switchUnitName(const std::string& name);
TransientUnit switchUnit(const std::string& name, const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout, const std::string& log_path,
                         const std::vector<std::string>& environment);
// What a switch unit's environment adds to `environment` (the run's own): the agent's
// LOCALE_ARCHIVE when it has one (null: none), as nixos-rebuild's systemd-run passes it on; a
// unit does not inherit the agent's environment as a child does. Pure.
std::vector<std::string> switchUnitEnvironment(std::vector<std::string> environment,
                                               const char* locale_archive);
// The environment a switch of a spec asking for `install_bootloader` runs with. Pure.
std::vector<std::string> switchEnvironment(bool install_bootloader);
// How a unit that has ended ended; nothing while it still runs. Pure.
std::optional<ProcessResult> switchUnitResult(const UnitState& state);

}  // namespace photon::agent
