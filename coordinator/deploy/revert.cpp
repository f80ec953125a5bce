#include "coordinator/deploy/revert.h"

#include <algorithm>

#include "coordinator/deploy/reboot_steps.h"

namespace photon::coordinator {
namespace {

void endRevert(NodeRollout& node, RevertStatus status, const std::string& why, int64_t now) {
  node.revert = status;
  if (!why.empty()) node.reason += (node.reason.empty() ? "" : "; ") + ("revert: " + why);
  node.revert_finished_at = now;
}

// Its previous system applied: rebooted back when it needs it to run it (the kernel this
// deployment brought in is still booted), or, with `always`, when this deployment rebooted it.
bool revertNeedsReboot(const Deployment& d, const NodeRollout& node, const SystemReport& report) {
  if (d.reboot == RebootPolicy::kNever) return false;
  return report.reboot_required || (d.reboot == RebootPolicy::kAlways && !node.boot_id.empty());
}

void observeRevert(const Deployment& d, NodeRollout& node, const NodeInput& input, int64_t now) {
  auto target = revertSection(d, node);
  auto report = parseSystemReport(input.report);
  if (target && report && report->deployment == revertTag(d.id) &&
      report->system == target->value("system", "")) {
    if (report->outcome == common::ActivationOutcome::kApplied) {
      if (revertNeedsReboot(d, node, *report)) {
        node.revert = RevertStatus::kRebootPending;
      } else {
        endRevert(node, RevertStatus::kReverted, "", now);
      }
      return;
    }
    if (report->outcome == common::ActivationOutcome::kRolledBack ||
        report->outcome == common::ActivationOutcome::kFailed) {
      endRevert(node, RevertStatus::kRevertFailed, report->reason, now);
      return;
    }
  }
  if (now - node.revert_started_at >= d.node_timeout_s) {
    endRevert(node, RevertStatus::kRevertFailed,
              "no outcome within " + std::to_string(d.node_timeout_s) + "s", now);
  }
}

void observeRevertReboot(const Deployment& d, NodeRollout& node, const NodeInput& input,
                         RolloutStep& step, int64_t now) {
  auto section = revertSection(d, node);
  RebootTarget target{rebootToken(revertTag(d.id)), section ? section->value("system", "") : "",
                      d.reboot_timeout_s, d.spec.confirm_within_s};
  RebootRound round =
      stepReboot(phaseOf(node.revert), node, input, target, step.revert_reboot, step.undrain, now);
  switch (round.result) {
    case RebootRound::Result::kWaiting:
      node.revert = statusIn<RevertStatus>(round.phase);
      break;
    case RebootRound::Result::kPassed:
      endRevert(node, RevertStatus::kReverted, "", now);
      break;
    case RebootRound::Result::kFailed:
      endRevert(node, RevertStatus::kRevertFailed, round.reason, now);
      break;
  }
}

bool rebooting(RevertStatus s) {
  return s == RevertStatus::kDraining || s == RevertStatus::kRebooting ||
         s == RevertStatus::kConfirming;
}
}  // namespace

bool revertRebootInFlight(RevertStatus status) {
  return status == RevertStatus::kRebootPending || rebooting(status);
}

void beginRevert(Deployment& d, RolloutStep& step, int64_t now) {
  d.state = DeploymentState::kReverting;
  for (auto& node : d.nodes) {
    // One begun already (its step was cut short between two transactions) is not begun again.
    if (!node.desired_written || node.revert != RevertStatus::kNone) continue;
    step.revert.push_back(node.id);
    node.revert_started_at = now;
    if (revertSection(d, node)) {
      node.revert = RevertStatus::kReverting;
    } else {
      node.revert = RevertStatus::kNothingToRevert;  // its section is removed instead
      node.revert_finished_at = now;
    }
  }
}

void advanceReverting(Deployment& d, RolloutStep& step, const NodeLookup& lookup, int64_t now) {
  for (auto& node : d.nodes) {
    if (node.revert == RevertStatus::kReverting) {
      observeRevert(d, node, lookup(node.id), now);
    } else if (rebooting(node.revert)) {
      observeRevertReboot(d, node, lookup(node.id), step, now);
    }
  }
  // Reboots back in waves of max_parallel, as the rollout's.
  int64_t busy = std::count_if(d.nodes.begin(), d.nodes.end(),
                               [](const auto& n) { return rebooting(n.revert); });
  for (auto& node : d.nodes) {
    if (busy >= d.max_parallel) break;
    if (node.revert != RevertStatus::kRebootPending) continue;
    node.revert = statusIn<RevertStatus>(startReboot(d.id, node, lookup(node.id), step.drain, now));
    ++busy;
  }
  bool open = std::any_of(d.nodes.begin(), d.nodes.end(), [](const auto& n) {
    return n.revert == RevertStatus::kReverting || revertRebootInFlight(n.revert);
  });
  if (!open) {
    d.state = DeploymentState::kFailed;
    d.finished_at = now;
  }
}

}  // namespace photon::coordinator
