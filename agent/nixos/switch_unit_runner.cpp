// SwitchRunner over systemd: each run is photon-<name>.service, Type=exec (a program that cannot
// be executed fails the start), RemainAfterExit (a run that succeeded stays loaded as
// active/exited until released, so an agent restarted after it ended still reads its outcome),
// RuntimeMaxSec at the run's deadline (systemd kills it there, agent or not).
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "agent/core/program_path.h"
#include "agent/nixos/switch_runner.h"
#include "common/api/observed.h"
#include "common/error_context.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;
using Clock = std::chrono::steady_clock;

// SIGTERM at the deadline, SIGKILL this much later (switch-to-configuration stops units).
constexpr auto kStopGrace = std::chrono::seconds(10);
// Properties-changed signals wake the wait; this bounds it when one is missed (a daemon-reexec
// by switch-to-configuration drops the manager's subscriptions for a moment).
constexpr auto kPollEvery = std::chrono::seconds(1);

uint64_t usec(std::chrono::milliseconds ms) {
  return static_cast<uint64_t>(ms.count()) * 1000;
}

std::string tail(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const auto size = static_cast<size_t>(in.tellg());
  const size_t keep = std::min(size, ProcessRunner::kMaxOutput);
  in.seekg(static_cast<std::streamoff>(size - keep));
  std::string out(keep, '\0');
  in.read(out.data(), static_cast<std::streamsize>(keep));
  out.resize(static_cast<size_t>(in.gcount()));
  return out;
}

class UnitSwitchRunner final : public SwitchRunner {
 public:
  UnitSwitchRunner(std::shared_ptr<SystemdBus> bus, std::string log_dir)
      : bus_(std::move(bus)), log_dir_(std::move(log_dir)) {}

  common::Result<ProcessResult> run(const std::string& name, const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout,
                                    const std::vector<std::string>& environment) override {
    if (argv.empty()) return common::invalid("argv", "is empty");
    const std::string unit = switchUnitName(name);
    PHOTON_TRY(auto state, bus_->unitState(unit));
    if (state.load_state != "not-found" && !switchUnitResult(state)) {
      // Started by the agent before this one, which was killed while it ran: the same run.
      return waitEnd(name, Clock::now() + timeout + kStopGrace);
    }
    // An ended run of this name (its outcome was never recorded): the name must be free.
    PHOTON_CHECK(bus_->stopUnit(unit));
    std::vector<std::string> exec = argv;
    exec.front() = resolveProgram(exec.front());
    if (exec.front().empty()) return common::invalid("argv", argv.front() + " not found");
    ::unlink(logPath(name).c_str());
    auto unit_env = switchUnitEnvironment(environment, std::getenv("LOCALE_ARCHIVE"));
    if (auto started =
            bus_->startTransientUnit(switchUnit(name, exec, timeout, logPath(name), unit_env));
        !started) {
      // A program that ran and failed at once fails the start job too (it ended before systemd
      // saw it running): that is its outcome. One that never ran leaves only an error.
      if (auto state = bus_->unitState(unit); state && state->exec_main_code != 0) {
        if (auto result = switchUnitResult(*state)) {
          result->output = tail(logPath(name));
          return *result;
        }
      }
      common::ignoreError(bus_->stopUnit(unit), "stop " + unit,
                          "its start already failed, which is the error returned");
      return std::unexpected(started.error());
    }
    return waitEnd(name, Clock::now() + timeout + kStopGrace);
  }

  common::Result<std::optional<ProcessResult>> adopt(const std::string& name,
                                                     std::chrono::milliseconds timeout) override {
    PHOTON_TRY(auto state, bus_->unitState(switchUnitName(name)));
    if (state.load_state == "not-found") return std::optional<ProcessResult>();
    PHOTON_TRY(auto result, waitEnd(name, Clock::now() + timeout + kStopGrace));
    return std::optional<ProcessResult>(std::move(result));
  }

  void release(const std::string& name) override {
    common::ignoreError(bus_->stopUnit(switchUnitName(name)), "stop " + switchUnitName(name),
                        "its outcome is recorded; a unit left behind is stopped with the next run");
    ::unlink(logPath(name).c_str());
  }

  void abandon() override { abandoned_ = true; }

 private:
  std::string logPath(const std::string& name) const { return log_dir_ + "/" + name + ".log"; }

  // Until the unit has ended. systemd kills it at its RuntimeMaxSec; should it still run at
  // `deadline` (which includes the stop grace), the agent stops it. A bus error is retried
  // until then: the manager may be re-executing itself for the new generation. An abandoned
  // wait returns within kPollEvery and leaves the unit running.
  common::Result<ProcessResult> waitEnd(const std::string& name, Clock::time_point deadline) {
    const std::string unit = switchUnitName(name);
    common::Error last;
    for (;;) {
      if (abandoned_) {
        return fail(ErrorCode::kUnavailable,
                    "the agent is stopping: " + unit + " goes on without it, for the next agent");
      }
      auto state = bus_->unitState(unit);
      if (state) {
        if (state->load_state == "not-found") {
          return fail(ErrorCode::kUnavailable, unit + " is gone before its outcome was read");
        }
        if (auto result = switchUnitResult(*state)) {
          result->output = tail(logPath(name));
          return *result;
        }
      } else {
        last = state.error();
      }
      const auto now = Clock::now();
      if (now >= deadline) {
        if (!state) return std::unexpected(last.context("wait for " + unit));
        common::ignoreError(bus_->stopUnit(unit), "stop " + unit,
                            "it ran past its deadline, which is the result returned");
        ProcessResult r;
        r.timed_out = true;
        r.output = tail(logPath(name));
        return r;
      }
      auto wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
                           std::chrono::milliseconds(kPollEvery));
      // A bus that fails now would return at once: sleep instead of spinning.
      if (!state || !bus_->waitForChange(wait).has_value()) std::this_thread::sleep_for(wait);
    }
  }

  std::shared_ptr<SystemdBus> bus_;
  std::string log_dir_;
  std::atomic<bool> abandoned_ = false;  // checked each kPollEvery
};

}  // namespace

std::string switchUnitName(const std::string& name) {
  return "photon-" + name + ".service";
}

std::vector<std::string> switchUnitEnvironment(std::vector<std::string> environment,
                                               const char* locale_archive) {
  if (locale_archive != nullptr && *locale_archive != '\0') {
    environment.push_back(std::string("LOCALE_ARCHIVE=") + locale_archive);
  }
  return environment;
}

TransientUnit switchUnit(const std::string& name, const std::vector<std::string>& argv,
                         std::chrono::milliseconds timeout, const std::string& log_path,
                         const std::vector<std::string>& environment) {
  TransientUnit u;
  u.name = switchUnitName(name);
  u.description = "Photon activation " + name;
  u.type = "exec";
  u.exec_start = argv;
  u.environment = environment;
  u.restart = "no";
  u.remain_after_exit = true;
  u.runtime_max_usec = std::max<uint64_t>(usec(timeout), 1);
  u.timeout_stop_usec = usec(std::chrono::duration_cast<std::chrono::milliseconds>(kStopGrace));
  // Nothing else: switch-to-configuration needs all of root (it rewrites /etc, the boot loader,
  // and restarts units), which is why it runs here and not under the agent's own sandbox.
  u.standard_output_append = log_path;
  u.standard_error_append = log_path;
  return u;
}

std::optional<ProcessResult> switchUnitResult(const UnitState& state) {
  using common::InstanceState;
  const auto active = common::parseEnum<InstanceState>(state.active_state);
  const bool exited = active == InstanceState::kActive && state.sub_state == "exited";
  const bool ended =
      exited || active == InstanceState::kFailed || active == InstanceState::kInactive;
  if (!ended) return std::nullopt;
  ProcessResult r;
  if (state.result == "timeout") {
    r.timed_out = true;
  } else if (state.exec_main_code == 2 || state.exec_main_code == 3) {  // CLD_KILLED, CLD_DUMPED
    r.signal = state.exec_main_status;
  } else if (exited || state.result == "success") {
    r.exit_code = state.exec_main_status;
  } else {
    // Failed some other way (resources, a start that never ran): never reads as success.
    r.exit_code = state.exec_main_status != 0 ? state.exec_main_status : 1;
  }
  return r;
}

std::unique_ptr<SwitchRunner> makeUnitSwitchRunner(std::shared_ptr<SystemdBus> bus,
                                                   std::string log_dir) {
  return std::make_unique<UnitSwitchRunner>(std::move(bus), std::move(log_dir));
}

}  // namespace photon::agent
