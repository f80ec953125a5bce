// Power operations through the store, so that any coordinator takes an operator's request and
// the leader alone talks to BMCs: a request is queued under power-requests/<target>, the
// leader's power service takes it, and the outcome lands in power/<target> (state, error,
// checked_at and a bounded history), where a client long-polls for it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "coordinator/power/power_manager.h"
#include "coordinator/store/store.h"

namespace photon::coordinator::power {

inline constexpr size_t kMaxQueuedRequests = 8;
inline constexpr size_t kMaxHistory = 20;

// Queues operations for a target in one transaction (a reprovision's boot device and cycle go
// together); returns their ids. A 429 when the target already has kMaxQueuedRequests waiting.
[[nodiscard]] common::Result<std::vector<std::string>> requestOperations(Store& store,
                                                                         const std::string& target,
                                                                         std::vector<PowerJob> jobs,
                                                                         int64_t now);
// Takes every queued request: each key removed under its revision (two leaders never both take
// one) and its operations moved to power-running/<target> with `taken_at`, in one transaction.
[[nodiscard]] common::Result<std::vector<PowerJob>> takeRequests(Store& store, int64_t now);
// An operation a leader took and has not finished.
struct RunningOperation {
  PowerJob job;
  int64_t taken_at = 0;
};
// Every taken and unfinished operation, of every target.
[[nodiscard]] common::Result<std::vector<RunningOperation>> runningOperations(Store& store);
// Stores an outcome: the power state (unknown with the error when the BMC failed), checked_at,
// and for an operation (not a poll) an entry in the history, removing it from the running ones
// in the same transaction.
[[nodiscard]] common::Status recordOutcome(Store& store, const PowerOutcome& outcome, int64_t now);
// power/<target> as the API shows it, with the requests still queued; nullopt when neither.
[[nodiscard]] common::Result<std::optional<common::Json>> powerStatus(Store& store,
                                                                      const std::string& target);

// The words of a job in the history ("on", "boot:cdrom", "status").
std::string describeJob(const PowerJob& job);

}  // namespace photon::coordinator::power
