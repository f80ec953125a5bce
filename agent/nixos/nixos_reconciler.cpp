#include "agent/nixos/nixos_reconciler.h"

#include "agent/nixos/switch_bus.h"
#include "agent/units/sd_systemd_bus.h"
#include "common/error_context.h"
#include "common/log.h"

namespace photon::agent {

using common::ActivationOutcome;

NixosReconciler::NixosReconciler(NixosOptions options, std::string state_dir,
                                 std::unique_ptr<ProcessRunner> runner,
                                 std::unique_ptr<UnitStates> units, std::unique_ptr<NixSystem> nix,
                                 std::unique_ptr<HealthChecker> health,
                                 std::unique_ptr<Rebooter> rebooter)
    : options_(std::move(options)),
      runner_(std::move(runner)),
      units_(std::move(units)),
      nix_(std::move(nix)),
      health_(std::move(health)),
      rebooter_(std::move(rebooter)),
      state_(state_dir),
      reboot_state_(state_dir),
      activator_(options_, *nix_, *health_, state_) {}

NixosReconciler::~NixosReconciler() {
  shutdown();
}

void NixosReconciler::shutdown() {
  activator_.stop();
  if (worker_.joinable()) worker_.join();
}

common::Status NixosReconciler::validate(const Json& section) const {
  if (section.is_null()) return {};
  auto spec = parseSystemSpec(section);
  if (!spec) return std::unexpected(spec.error());
  return {};
}

NixosReconciler::Gathered NixosReconciler::gather() {
  Gathered g;
  auto generation = nix_->currentGeneration();
  if (generation) {
    g.observed.generation = *generation;
  } else {
    g.error = generation.error().message;
  }
  g.observed.current_system = nix_->currentSystem();
  auto last = state_.loadOutcome();
  if (last) {
    g.observed.last = *last;
  } else {
    g.error = last.error().message;
  }
  auto loaded = state_.loadJournal();
  if (!loaded) {
    g.error = loaded.error().message;
    return g;
  }
  const auto& journal = *loaded;
  if (journal && g.observed.last && g.observed.last->activation_id == journal->id) {
    // Finished, but the agent stopped before the journal was removed.
    common::ignoreError(state_.removeJournal(), "nixos: remove a finished activation's journal",
                        "the next round tries again");
  } else {
    g.observed.journal = journal;
  }
  return g;
}

void NixosReconciler::joinIfDone() {
  bool done = false;
  {
    common::MutexLock lock(mutex_);
    done = !busy_ && worker_.joinable();
  }
  if (done) worker_.join();
}

Json NixosReconciler::reconcile(const Json& section) {
  joinIfDone();
  if (unavailable_) {
    if (auto reason = unavailable_(); !reason.empty())
      return {{"outcome", toString(ActivationOutcome::kFailed)}, {"reason", reason}};
  }
  std::optional<SystemSpec> desired;
  if (!section.is_null()) {
    auto parsed = parseSystemSpec(section);
    if (!parsed) {
      return {{"outcome", toString(ActivationOutcome::kFailed)},
              {"reason", "invalid desired system: " + parsed.error().field + ": " +
                             parsed.error().message + " (nothing was activated)"}};
    }
    desired = *parsed;
  }
  {
    common::MutexLock lock(mutex_);
    if (busy_) {
      Json out = {{"outcome", toString(ActivationOutcome::kActivating)}, {"system", target_}};
      if (!deployment_.empty()) out["deployment"] = deployment_;
      return out;
    }
  }
  Gathered gathered = gather();
  NixosPlan plan = gathered.error.empty()
                       ? planNixos(desired, gathered.observed)
                       : NixosPlan{NixosAction::kHold, "cannot read the node's state"};
  if (plan.action == NixosAction::kActivate || plan.action == NixosAction::kRecover) {
    common::MutexLock lock(mutex_);
    // A worker that ended after joinIfDone() looked: it no longer takes the lock, so joining
    // here cannot wait on us.
    if (worker_.joinable()) worker_.join();
    busy_ = true;
    // planNixos plans kRecover only for a journal, kActivate only for a desired system.
    const SystemSpec& target =
        plan.action == NixosAction::kRecover
            ? gathered.observed.journal->spec  // NOLINT(bugprone-unchecked-optional-access)
            : *desired;
    target_ = target.system;
    deployment_ = target.deployment;
    worker_ = std::thread([this, desired] { work(desired); });
    Json out = {{"outcome", toString(ActivationOutcome::kActivating)}, {"system", target_}};
    if (!deployment_.empty()) out["deployment"] = deployment_;
    return out;
  }
  return report(desired, gathered, plan);
}

void NixosReconciler::work(std::optional<SystemSpec> desired) {
  // Recover first; an interrupted activation that had changed nothing is simply planned again.
  for (int round = 0; round < 2; ++round) {
    Gathered g = gather();
    if (!g.error.empty()) break;
    NixosPlan plan = planNixos(desired, g.observed);
    if (plan.action == NixosAction::kRecover) {
      // Nothing back means either "changed nothing, plan again" or a shutdown. planNixos plans
      // kRecover only for a journal.
      const Journal& journal = *g.observed.journal;  // NOLINT(bugprone-unchecked-optional-access)
      bool was_realising = journal.phase == Phase::kRealising;
      if (activator_.recover(journal) || !was_realising) break;
      continue;
    }
    if (plan.action == NixosAction::kActivate) {
      {
        common::MutexLock lock(mutex_);
        target_ = desired->system;
        deployment_ = desired->deployment;
      }
      (void)activator_.activate(*desired);
    }
    break;
  }
  common::MutexLock lock(mutex_);
  busy_ = false;
}

Json NixosReconciler::report(const std::optional<SystemSpec>& desired, const Gathered& gathered,
                             const NixosPlan& plan) {
  const auto& obs = gathered.observed;
  std::string profile_system = obs.generation ? obs.generation->system : "";
  std::string active = profile_system.empty() ? obs.current_system : profile_system;
  std::string booted = nix_->bootedSystem();
  std::string boot_id = rebooter_->bootId();
  Json out = {
      {"boot_id", boot_id},
      {"system", active},
      {"previous_system", ""},
      {"generation", obs.generation ? obs.generation->number : 0},
      {"reason", ""},
      {"booted_system", booted},
      {"current_system", obs.current_system},
      {"reboot_required", rebootRequired(nix_->bootFiles(booted), nix_->bootFiles(active))}};
  if (!gathered.error.empty()) {
    out["outcome"] = toString(ActivationOutcome::kFailed);
    out["reason"] = plan.why + ": " + gathered.error;
    return out;
  }
  if (!desired) {
    out["outcome"] = toString(obs.last ? obs.last->outcome : ActivationOutcome::kApplied);
    if (obs.last) out["reason"] = obs.last->reason;
    return out;
  }
  out["system"] = desired->system;
  if (!desired->deployment.empty()) out["deployment"] = desired->deployment;
  const bool about_desired = obs.last && obs.last->system == desired->system &&
                             obs.last->deployment == desired->deployment;
  if (plan.action == NixosAction::kHold) {
    out["outcome"] = toString(obs.last ? obs.last->outcome : ActivationOutcome::kFailed);
    out["reason"] = obs.last ? obs.last->reason : plan.why;
  } else {
    out["outcome"] = toString(ActivationOutcome::kApplied);
    // Only a node that runs (boot: has in its profile) the desired system reboots into it.
    if (!desired->reboot_token.empty()) out["reboot"] = rebootStep(*desired, boot_id);
  }
  if (about_desired) {
    out["previous_system"] = obs.last->previous_system;
    out["timings"] = toJson(*obs.last)["timings"];
  }
  return out;
}

Json NixosReconciler::rebootStep(const SystemSpec& desired, const std::string& boot_id) {
  Json out = {{"token", desired.reboot_token}, {"health", ""}, {"reason", ""}};
  auto record = reboot_state_.load();
  if (!record) {
    out["state"] = "failed";
    out["reason"] = "cannot read the reboot record: " + record.error().message;
    return out;
  }
  switch (planReboot(desired.reboot_token, boot_id, *record)) {
    case RebootAction::kNothing:
      out["state"] = "";
      return out;
    case RebootAction::kReboot: {
      // Recorded first: whenever the node comes back, it knows this reboot was asked for.
      RebootRecord next{desired.reboot_token, boot_id, activator_.now_ms(), ""};
      auto saved = reboot_state_.save(next);
      if (!saved) {
        out["state"] = "failed";
        out["reason"] = "record the reboot: " + saved.error().message + " (not rebooted)";
        return out;
      }
      common::logNotice("nixos: rebooting for " + desired.reboot_token + " into " + desired.system +
                        " (boot " + boot_id + ")");
      auto rebooted = rebooter_->reboot();
      if (!rebooted) {
        // Nothing happened: drop the record so that the next round asks again.
        common::ignoreError(reboot_state_.remove(), "nixos: drop the reboot record",
                            "the reboot failure is reported; a later round retries");
        out["state"] = "failed";
        out["reason"] = "reboot: " + rebooted.error().message;
        common::logError("nixos: " + out["reason"].get<std::string>());
        return out;
      }
      out["state"] = "requested";
      return out;
    }
    case RebootAction::kWait:
      out["state"] = "requested";
      return out;
    case RebootAction::kDone:
      break;
  }
  out["state"] = "done";
  // planReboot says kDone only for a record it was given.
  RebootRecord done = **record;  // NOLINT(bugprone-unchecked-optional-access)
  if (done.health == "ok") {
    out["health"] = "ok";
    return out;
  }
  auto healthy = health_->check(desired.health);
  if (!healthy) {
    out["health"] = "failed";
    out["reason"] = healthy.error().message.substr(0, 512);
    return out;
  }
  // Passed once in this boot: later rounds report it without running the checks again.
  done.health = "ok";
  common::ignoreError(reboot_state_.save(done), "nixos: record the passed health gate",
                      "the next round runs the checks again");
  common::logInfo("nixos: back from the reboot for " + done.token + ", health gate passed");
  out["health"] = "ok";
  return out;
}

namespace {

// The runner options.switch_bus names: a unit over that bus, connected to once it answers (see
// switch_bus.h; `unavailable` then says whether it does), or null for the agent's own child.
std::unique_ptr<SwitchRunner> switchRunnerFor(const NixosOptions& options,
                                              const std::string& state_dir,
                                              std::function<std::string()>& unavailable) {
  if (options.switch_bus == kSwitchInProcess) {
    common::logWarning(
        "nixos: switch-to-configuration runs as the agent's child (switch bus \"none\"): an "
        "activation the agent is stopped in is rolled back");
    return nullptr;
  }
  const std::string name =
      options.switch_bus.empty() ? "the system bus" : "bus " + options.switch_bus;
  auto bus = std::make_shared<SwitchBus>(
      name, [address = options.switch_bus] { return connectSystemdBus(address); });
  unavailable = [bus] {
    auto answers = bus->get();
    return answers ? std::string() : answers.error().message;
  };
  return makeReconnectingSwitchRunner(bus, state_dir);
}

}  // namespace

std::unique_ptr<NixosReconciler> makeNixosReconciler(NixosOptions options, std::string state_dir,
                                                     std::unique_ptr<Rebooter> rebooter,
                                                     std::unique_ptr<SwitchRunner> switcher) {
  auto runner = makeProcessRunner();
  auto units = makeBusUnitStates();
  std::function<std::string()> unavailable;
  if (!switcher) switcher = switchRunnerFor(options, state_dir, unavailable);
  auto nix = makeNixSystem(options, *runner, std::move(switcher));
  auto health = makeHealthChecker(*runner, *units, options.health_check_timeout);
  auto reconciler = std::make_unique<NixosReconciler>(
      std::move(options), std::move(state_dir), std::move(runner), std::move(units), std::move(nix),
      std::move(health), rebooter ? std::move(rebooter) : makeSystemdRebooter());
  if (unavailable) reconciler->setAvailability(std::move(unavailable));
  return reconciler;
}

}  // namespace photon::agent
