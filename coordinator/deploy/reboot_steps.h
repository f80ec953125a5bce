// One node's reboot as pure steps, the same for a deployment's new system and for its revert:
// drained (placement moves its instances), told to reboot (the section with a reboot token),
// back with the target system booted in another boot, health-gated in that boot, undrained.
// The caller keeps the phase (a node status, or a revert status) and acts on the lists.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "coordinator/deploy/rollout.h"

namespace photon::coordinator {

enum class RebootPhase { kDraining, kRebooting, kConfirming };

// A node's rollout status (NodeStatus) and its revert status (RevertStatus) name the three
// phases alike: the phase a status names (any other: draining, where a reboot starts) ...
template <class Status>
RebootPhase phaseOf(Status status) {
  return status == Status::kRebooting    ? RebootPhase::kRebooting
         : status == Status::kConfirming ? RebootPhase::kConfirming
                                         : RebootPhase::kDraining;
}
// ... and the status that names a phase.
template <class Status>
Status statusIn(RebootPhase phase) {
  switch (phase) {
    case RebootPhase::kRebooting:
      return Status::kRebooting;
    case RebootPhase::kConfirming:
      return Status::kConfirming;
    case RebootPhase::kDraining:
      break;
  }
  return Status::kDraining;
}

struct RebootTarget {
  std::string token;   // the section's reboot token once the node is drained
  std::string system;  // what it must come back booted into
  int64_t reboot_timeout_s = 0;
  int64_t confirm_within_s = 0;
};

struct RebootRound {
  enum class Result { kWaiting, kPassed, kFailed } result = Result::kWaiting;
  RebootPhase phase = RebootPhase::kDraining;  // where it is now, while waiting
  NodeStatus failure = NodeStatus::kFailed;    // kFailed: timeout or failed (its health gate)
  std::string reason;
  bool reboot = false;   // write the section with the token now
  bool undrain = false;  // return it to active now
};

// Who a deployment's drain is held by (Node::drained_by).
std::string deploymentDrainOwner(const std::string& deployment_id);

// Starts the reboot: drains an active node (then the drain is this deployment's to undo); a
// node drained already stays as it is, and whoever drained it keeps it — unless that is this
// deployment (its drain committed, the record saying so lost), whose drain it stays to undo.
RebootPhase startReboot(const std::string& deployment_id, NodeRollout& node, const NodeInput& input,
                        std::vector<std::string>& drain, int64_t now);

// One round of a node in `phase`; a node to tell to reboot now goes into `reboot`, one to
// return to work into `undrain`.
[[nodiscard]] RebootRound stepReboot(RebootPhase phase, NodeRollout& node, const NodeInput& input,
                                     const RebootTarget& target, std::vector<std::string>& reboot,
                                     std::vector<std::string>& undrain, int64_t now);

}  // namespace photon::coordinator
