// What the nixos domain keeps in the agent's state dir, written atomically:
// - the journal of the activation in progress (nixos-journal.json), rewritten at each step, so
//   that an agent killed at any step finishes or rolls back that activation on restart;
// - the outcome of the last activation (nixos-outcome.json), which also keeps a generation that
//   was rolled back from being retried until the desired system changes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "agent/nixos/nix_system.h"
#include "agent/nixos/system_spec.h"
#include "common/api/observed.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

enum class Phase {
  kRealising,    // fetching the closure: nothing on the node has changed yet
  kSwitching,    // the profile and switch-to-configuration may have changed the node
  kConfirming,   // switched; the health gate runs until the deadline
  kRollingBack,  // going back to the recorded generation
};
std::string phaseName(Phase phase);

struct Journal {
  int64_t id = 0;  // identifies one activation; the outcome carries it too
  Phase phase = Phase::kRealising;
  SystemSpec spec;
  std::optional<Generation> previous;  // the profile's generation before (switch, boot)
  std::string previous_system;         // what ran before
  int64_t deadline_ms = 0;             // wall clock (ms since the epoch): confirm by then
  std::string reason;                  // why it rolls back

  bool operator==(const Journal&) const = default;
};

struct Timings {
  int64_t realise_ms = 0;
  int64_t profile_ms = 0;
  int64_t switch_ms = 0;  // switch-to-configuration itself
  int64_t health_ms = 0;
  int64_t rollback_ms = 0;  // from the failed verdict to the previous generation switched back
  int64_t total_ms = 0;
  bool operator==(const Timings&) const = default;
};

struct Outcome {
  int64_t activation_id = 0;
  common::ActivationOutcome outcome = common::ActivationOutcome::kFailed;  // never kActivating
  std::string system;  // the generation this activation was for
  std::string previous_system;
  std::string deployment;
  int64_t generation = 0;  // the profile's generation after the activation
  std::string reason;
  Timings timings;
  bool operator==(const Outcome&) const = default;
};

common::Json toJson(const Journal& journal);
[[nodiscard]] common::Result<Journal> journalFromJson(const common::Json& json);
common::Json toJson(const Outcome& outcome);
[[nodiscard]] common::Result<Outcome> outcomeFromJson(const common::Json& json);

// The two files in a state dir.
class NixosState {
 public:
  explicit NixosState(std::string state_dir);

  // Nothing when there is no activation in progress; an error when the file is unreadable.
  [[nodiscard]] common::Result<std::optional<Journal>> loadJournal() const;
  [[nodiscard]] common::Status saveJournal(const Journal& journal) const;
  [[nodiscard]] common::Status removeJournal() const;
  [[nodiscard]] common::Result<std::optional<Outcome>> loadOutcome() const;
  [[nodiscard]] common::Status saveOutcome(const Outcome& outcome) const;

 private:
  std::string journal_path_;
  std::string outcome_path_;
};

}  // namespace photon::agent
