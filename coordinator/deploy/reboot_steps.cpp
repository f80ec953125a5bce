#include "coordinator/deploy/reboot_steps.h"

namespace photon::coordinator {
namespace {
using Result = RebootRound::Result;

RebootRound waiting(RebootPhase phase) {
  return {.result = Result::kWaiting, .phase = phase};
}

RebootRound failed(NodeStatus status, std::string reason) {
  return {.result = Result::kFailed, .failure = status, .reason = std::move(reason)};
}

// Drained: record the boot it must come back from, then tell it to reboot.
RebootRound drainStep(NodeRollout& node, const NodeInput& input, const RebootTarget& target,
                      int64_t now) {
  if (input.state == "drained") {
    auto report = parseSystemReport(input.report);
    node.boot_id = report ? report->boot_id : "";
    node.step_started_at = now;
    RebootRound round = waiting(RebootPhase::kRebooting);
    round.reboot = true;
    return round;
  }
  if (now - node.step_started_at < target.reboot_timeout_s) return waiting(RebootPhase::kDraining);
  // Never rebooted: it goes back to work as it was (if the drain was this deployment's).
  RebootRound round = failed(NodeStatus::kTimeout, "not drained within reboot_timeout_s (" +
                                                       std::to_string(target.reboot_timeout_s) +
                                                       "s); not rebooted");
  round.undrain = node.drained_by_us;
  node.drained_by_us = false;
  return round;
}

// Back: the agent reports the reboot for this token done, in another boot, with the target
// system booted.
RebootRound rebootStep(NodeRollout& node, const NodeInput& input, const RebootTarget& target,
                       int64_t now) {
  auto report = parseSystemReport(input.report);
  bool back = report && report->reboot_token == target.token && report->reboot_state == "done" &&
              report->booted_system == target.system &&
              (node.boot_id.empty() || report->boot_id != node.boot_id);
  if (back) {
    node.step_started_at = now;
    return waiting(RebootPhase::kConfirming);
  }
  if (now - node.step_started_at < target.reboot_timeout_s) return waiting(RebootPhase::kRebooting);
  // It stays drained: whatever it is doing, it is not serving.
  std::string seen = report && !report->booted_system.empty()
                         ? " (last reported booted system " + report->booted_system + ")"
                         : "";
  return failed(NodeStatus::kTimeout, "did not come back with booted system " + target.system +
                                          " within reboot_timeout_s (" +
                                          std::to_string(target.reboot_timeout_s) + "s)" + seen +
                                          "; left drained");
}

// The health gate after the reboot: the agent runs the section's checks in the new boot.
RebootRound confirmStep(NodeRollout& node, const NodeInput& input, const RebootTarget& target,
                        int64_t now) {
  auto report = parseSystemReport(input.report);
  if (report && report->reboot_token == target.token && report->reboot_health == "ok") {
    RebootRound round{.result = Result::kPassed};
    round.undrain = node.drained_by_us;
    node.drained_by_us = false;
    return round;
  }
  if (now - node.step_started_at < target.confirm_within_s) {
    return waiting(RebootPhase::kConfirming);
  }
  std::string why = report && !report->reboot_reason.empty() ? ": " + report->reboot_reason : "";
  return failed(NodeStatus::kFailed,
                "health gate after the reboot did not pass within "
                "confirm_within_s (" +
                    std::to_string(target.confirm_within_s) + "s)" + why.substr(0, 512) +
                    "; left drained");
}
}  // namespace

std::string deploymentDrainOwner(const std::string& deployment_id) {
  return "deployment " + deployment_id;
}

RebootPhase startReboot(const std::string& deployment_id, NodeRollout& node, const NodeInput& input,
                        std::vector<std::string>& drain, int64_t now) {
  node.step_started_at = now;
  if (input.state == "active") {
    node.drained_by_us = true;
    drain.push_back(node.id);
  } else if (input.drained_by == deploymentDrainOwner(deployment_id)) {
    node.drained_by_us = true;
  }
  return RebootPhase::kDraining;
}

RebootRound stepReboot(RebootPhase phase, NodeRollout& node, const NodeInput& input,
                       const RebootTarget& target, std::vector<std::string>& reboot,
                       std::vector<std::string>& undrain, int64_t now) {
  RebootRound round = waiting(phase);
  switch (phase) {
    case RebootPhase::kDraining:
      round = drainStep(node, input, target, now);
      break;
    case RebootPhase::kRebooting:
      round = rebootStep(node, input, target, now);
      break;
    case RebootPhase::kConfirming:
      round = confirmStep(node, input, target, now);
      break;
  }
  if (round.reboot) reboot.push_back(node.id);
  if (round.undrain) undrain.push_back(node.id);
  return round;
}

}  // namespace photon::coordinator
