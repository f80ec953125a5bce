// One activation, step by step, each step recorded in the journal before it changes the node:
// realise the closure, record the current generation, set the profile, switch-to-configuration,
// health gate until the confirm deadline, and on any failure roll back to the recorded
// generation. recover() takes an interrupted activation from its journal to an end.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>

#include "agent/nixos/health.h"
#include "agent/nixos/journal.h"
#include "agent/nixos/nix_system.h"
#include "common/mutex.h"

namespace photon::agent {

class Activator {
 public:
  Activator(const NixosOptions& options, NixSystem& nix, HealthChecker& health,
            const NixosState& state);

  // Runs the whole activation. Nothing when stop() interrupted it: the journal stays and the
  // next start recovers it.
  std::optional<Outcome> activate(const SystemSpec& spec);
  // Takes an interrupted activation to an end: one interrupted before it changed anything is
  // dropped (nothing returned; plan again), one interrupted while switching takes the outcome
  // of its switch-to-configuration unit (rolled back when there is none; nothing returned and
  // the journal kept while the unit cannot be asked about before the deadline),
  // one interrupted in its health gate resumes the gate until its deadline, one interrupted
  // while rolling back rolls back again.
  std::optional<Outcome> recover(Journal journal);

  // Agent shutdown: makes a running health gate give up at once, and a wait on a switch unit
  // return, leaving the unit running (the journal has the next start adopt it).
  void stop();

  // Wall clock in ms since the epoch; replaceable in tests.
  std::function<int64_t()> now_ms;

 private:
  // After switch-to-configuration: the health gate when it succeeded, else the rollback.
  std::optional<Outcome> afterSwitch(Journal& journal, Timings& timings, int64_t started,
                                     const common::Result<ProcessResult>& result);
  std::optional<Outcome> confirm(Journal& journal, Timings& timings, int64_t started);
  // Nothing when the agent stopped while waiting for the rollback's switch.
  std::optional<Outcome> rollBack(Journal& journal, Timings& timings, int64_t started);
  Outcome finish(const Journal& journal, Timings& timings, int64_t started,
                 common::ActivationOutcome outcome, std::string reason);
  // Saves the journal; when even that fails the node has not been changed by this step yet.
  [[nodiscard]] common::Status record(const Journal& journal);
  bool stopped();
  int64_t generationNumber();

  NixosOptions options_;
  NixSystem& nix_;
  HealthChecker& health_;
  const NixosState& state_;
  common::Mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ GUARDED_BY(mutex_) = false;
};

}  // namespace photon::agent
