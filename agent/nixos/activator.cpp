#include "agent/nixos/activator.h"

#include <chrono>

#include "common/error_context.h"

namespace photon::agent {
namespace {
using common::ActivationOutcome;

// The runs of one activation's switch-to-configuration (their units, photon-<run>.service).
std::string switchRun(const Journal& journal) {
  return "switch-" + std::to_string(journal.id);
}
std::string rollbackRun(const Journal& journal) {
  return "rollback-" + std::to_string(journal.id);
}

std::string switchFailure(const common::Result<ProcessResult>& switched, const SystemSpec& spec) {
  std::string why = !switched             ? switched.error().message
                    : switched->timed_out ? "did not finish within confirm_within_s (" +
                                                std::to_string(spec.confirm_within_s) + "s)"
                                          : switched->describe();
  return "switch-to-configuration " + modeName(spec.mode) + ": " + why;
}

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Activator::Activator(const NixosOptions& options, NixSystem& nix, HealthChecker& health,
                     const NixosState& state)
    : now_ms(wallMs), options_(options), nix_(nix), health_(health), state_(state) {}

void Activator::stop() {
  {
    common::MutexLock lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  nix_.abandonSwitches();
}

bool Activator::stopped() {
  common::MutexLock lock(mutex_);
  return stopping_;
}

common::Status Activator::record(const Journal& journal) {
  auto saved = state_.saveJournal(journal);
  if (!saved) return std::unexpected(saved.error().context("write the journal"));
  return {};
}

int64_t Activator::generationNumber() {
  auto gen = nix_.currentGeneration();
  if (!gen) return 0;
  const auto& current = *gen;
  return current ? current->number : 0;
}

std::optional<Outcome> Activator::activate(const SystemSpec& spec) {
  const int64_t started = now_ms();
  Timings timings;
  Journal journal;
  journal.id = started;
  journal.spec = spec;
  journal.phase = Phase::kRealising;
  if (auto r = record(journal); !r) {
    return finish(journal, timings, started, ActivationOutcome::kFailed, r.error().message);
  }

  // 1. Realise: nothing on the node changes, so a failure here leaves it where it was.
  auto t0 = now_ms();
  auto realised =
      nix_.realise(spec.system, {spec.substituters, spec.trusted_public_keys, spec.require_sigs});
  timings.realise_ms = now_ms() - t0;
  if (!realised) {
    return finish(
        journal, timings, started, ActivationOutcome::kFailed,
        "realise " + spec.system + ": " + realised.error().message + " (nothing was activated)");
  }

  // 2. Record what runs now, then change the profile.
  auto previous = nix_.currentGeneration();
  if (!previous) {
    return finish(
        journal, timings, started, ActivationOutcome::kFailed,
        "read the current generation: " + previous.error().message + " (nothing was activated)");
  }
  journal.previous = *previous;
  journal.previous_system =
      spec.mode == ActivationMode::kTest || !*previous ? nix_.currentSystem() : (*previous)->system;
  journal.phase = Phase::kSwitching;
  journal.deadline_ms = now_ms() + spec.confirm_within_s * 1000;
  if (auto r = record(journal); !r) {
    return finish(journal, timings, started, ActivationOutcome::kFailed,
                  r.error().message + " (nothing was activated)");
  }
  if (spec.mode != ActivationMode::kTest) {
    // nixos-rebuild test leaves the profile alone: the next boot keeps the old generation.
    t0 = now_ms();
    auto set = nix_.setProfile(spec.system);
    timings.profile_ms = now_ms() - t0;
    if (!set) {
      journal.reason = "set the profile: " + set.error().message;
      return rollBack(journal, timings, started);
    }
  }

  // 3. switch-to-configuration must finish within the confirm deadline.
  t0 = now_ms();
  auto left = std::chrono::milliseconds(std::max<int64_t>(journal.deadline_ms - t0, 1));
  auto switched =
      nix_.switchToConfiguration(spec.system, modeName(spec.mode), left, switchRun(journal),
                                 switchEnvironment(spec.install_bootloader));
  timings.switch_ms = now_ms() - t0;
  // Left waiting at shutdown: the switch goes on in its unit, and the journal (switching) has
  // the next start adopt it.
  if (!switched && stopped()) return std::nullopt;
  return afterSwitch(journal, timings, started, switched);
}

std::optional<Outcome> Activator::afterSwitch(Journal& journal, Timings& timings, int64_t started,
                                              const common::Result<ProcessResult>& result) {
  if (!result || !result->ok()) {
    journal.reason = switchFailure(result, journal.spec);
    return rollBack(journal, timings, started);
  }
  journal.phase = Phase::kConfirming;
  if (auto r = record(journal); !r) {
    journal.reason = r.error().message;
    return rollBack(journal, timings, started);
  }
  return confirm(journal, timings, started);
}

std::optional<Outcome> Activator::confirm(Journal& journal, Timings& timings, int64_t started) {
  // 4. Health gate: the first round where every check passes confirms the generation; the
  // deadline passing first rolls it back, with the last failure as the reason.
  const int64_t t0 = now_ms();
  std::string failure;
  while (true) {
    auto healthy = health_.check(journal.spec.health);
    if (healthy) {
      timings.health_ms = now_ms() - t0;
      return finish(journal, timings, started, ActivationOutcome::kApplied, "");
    }
    failure = healthy.error().message;
    int64_t left = journal.deadline_ms - now_ms();
    if (left <= 0) break;
    common::MutexLock lock(mutex_);
    auto wait =
        std::chrono::milliseconds(std::min<int64_t>(left, options_.health_interval.count()));
    if (lock.waitFor(wake_, wait, [this] {
          mutex_.assertHeld();  // the predicate runs under the lock
          return stopping_;
        }))
      return std::nullopt;
  }
  timings.health_ms = now_ms() - t0;
  journal.reason = "health check failed within confirm_within_s (" +
                   std::to_string(journal.spec.confirm_within_s) + "s): " + failure;
  return rollBack(journal, timings, started);
}

std::optional<Outcome> Activator::rollBack(Journal& journal, Timings& timings, int64_t started) {
  const int64_t t0 = now_ms();
  journal.phase = Phase::kRollingBack;
  common::ignoreError(record(journal), "nixos: record the rollback in the journal",
                      "the node must not stay on the generation that failed");
  auto done = [&](ActivationOutcome outcome, std::string reason) {
    timings.rollback_ms = now_ms() - t0;
    return finish(journal, timings, started, outcome, std::move(reason));
  };
  const auto mode = journal.spec.mode;
  std::string target = journal.previous_system;
  if (mode != ActivationMode::kTest) {
    if (!journal.previous) {
      return done(ActivationOutcome::kFailed, journal.reason +
                                                  "; rollback impossible: the profile had no "
                                                  "generation before this one");
    }
    target = journal.previous->system;
    auto back = nix_.switchGeneration(journal.previous->number);
    if (!back)
      return done(ActivationOutcome::kFailed,
                  journal.reason + "; rollback: " + back.error().message);
  }
  if (target.empty()) {
    return done(ActivationOutcome::kFailed,
                journal.reason + "; rollback impossible: no system ran before");
  }
  auto switched = nix_.switchToConfiguration(target, modeName(mode), options_.rollback_timeout,
                                             rollbackRun(journal),
                                             switchEnvironment(journal.spec.install_bootloader));
  // Left waiting at shutdown: the journal (rolling back) has the next start wait for that unit.
  if (!switched && stopped()) return std::nullopt;
  if (!switched)
    return done(ActivationOutcome::kFailed,
                journal.reason + "; rollback: " + switched.error().message);
  if (!switched->ok()) {
    return done(ActivationOutcome::kFailed, journal.reason +
                                                "; rollback: switch-to-configuration of " + target +
                                                ": " + switched->describe());
  }
  return done(ActivationOutcome::kRolledBack, journal.reason);
}

Outcome Activator::finish(const Journal& journal, Timings& timings, int64_t started,
                          ActivationOutcome outcome, std::string reason) {
  timings.total_ms = now_ms() - started;
  Outcome o;
  o.activation_id = journal.id;
  o.outcome = outcome;
  o.system = journal.spec.system;
  o.previous_system = journal.previous_system;
  o.deployment = journal.spec.deployment;
  o.generation = generationNumber();
  o.reason = std::move(reason);
  o.timings = timings;
  // The outcome is written before the journal goes: a crash in between finds both, and the
  // reconciler drops a journal whose id the outcome already carries.
  common::ignoreError(state_.saveOutcome(o), "nixos: save the activation's outcome",
                      "the activation is over; the report shows the last outcome saved");
  common::ignoreError(state_.removeJournal(), "nixos: remove the journal",
                      "the next round drops a journal whose id the outcome carries");
  // Recorded: the units that kept the switch's outcome for a restarted agent can go.
  nix_.releaseSwitch(switchRun(journal));
  nix_.releaseSwitch(rollbackRun(journal));
  return o;
}

std::optional<Outcome> Activator::recover(Journal journal) {
  Timings timings;
  const int64_t started = now_ms();
  switch (journal.phase) {
    case Phase::kRealising:
      common::ignoreError(state_.removeJournal(), "nixos: remove the journal",
                          "nothing was activated; the next round plans again");
      return std::nullopt;
    case Phase::kSwitching: {
      // switch-to-configuration went on in its unit without the agent: wait for it (systemd
      // ends it at the deadline) and carry on from its outcome.
      auto left = std::chrono::milliseconds(std::max<int64_t>(journal.deadline_ms - started, 1));
      auto adopted = nix_.adoptSwitch(switchRun(journal), left);
      if (adopted) {
        if (const auto& result = *adopted) {
          timings.switch_ms = now_ms() - started;
          return afterSwitch(journal, timings, started, *result);
        }
      }
      if (!adopted && (stopped() || now_ms() < journal.deadline_ms)) {
        // The run could not be asked about (the manager may be re-executing itself for the new
        // generation) and may still be going: the activation stays pending and is asked about
        // again on the next reconcile, until its deadline.
        return std::nullopt;
      }
      // No run to adopt (it never started, the node rebooted, or it was the agent's child and
      // died with it): whether it got through is unknown, go back to what ran before.
      journal.reason = "the agent stopped during switch-to-configuration " +
                       modeName(journal.spec.mode) + "; rolled back on restart";
      if (!adopted) journal.reason += " (" + adopted.error().message + ")";
      return rollBack(journal, timings, started);
    }
    case Phase::kConfirming:
      return confirm(journal, timings, started);
    case Phase::kRollingBack:
      return rollBack(journal, timings, started);
  }
  return std::nullopt;
}

}  // namespace photon::agent
