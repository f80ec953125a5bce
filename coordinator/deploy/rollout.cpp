#include "coordinator/deploy/rollout.h"

#include <algorithm>

#include "coordinator/deploy/reboot_steps.h"
#include "coordinator/deploy/revert.h"

namespace photon::coordinator {
namespace {
using common::ActivationOutcome;

std::string str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void finish(Deployment& d, DeploymentState state, int64_t now) {
  d.state = state;
  d.finished_at = now;
}

// Reads one updating node's report: its outcome once it carries this deployment's id and system.
void observeUpdate(Deployment& d, NodeRollout& node, const NodeInput& input, int64_t now) {
  auto report = parseSystemReport(input.report);
  if (report && report->deployment == d.id && report->system == d.spec.system) {
    if (!report->previous_system.empty()) node.previous_system = report->previous_system;
    if (report->outcome != ActivationOutcome::kActivating) node.timings = report->timings;
    if (report->outcome == ActivationOutcome::kApplied) {
      node.status = NodeStatus::kApplied;
      node.generation = report->generation;
      node.finished_at = now;
      return;
    }
    if (report->outcome == ActivationOutcome::kRolledBack ||
        report->outcome == ActivationOutcome::kFailed) {
      node.status = report->outcome == ActivationOutcome::kFailed ? NodeStatus::kFailed
                                                                  : NodeStatus::kRolledBack;
      node.reason = report->reason.substr(0, 1024);
      node.finished_at = now;
      return;
    }
  }
  if (now - node.started_at >= d.node_timeout_s) {
    node.status = NodeStatus::kTimeout;
    node.reason =
        "no outcome reported within node_timeout_s (" + std::to_string(d.node_timeout_s) + "s)";
    node.finished_at = now;
  }
}

bool wantsReboot(const Deployment& d, const NodeInput& input) {
  if (d.reboot == RebootPolicy::kNever) return false;
  if (d.reboot == RebootPolicy::kAlways) return true;
  auto report = parseSystemReport(input.report);
  return report && report->reboot_required;
}

void failNode(NodeRollout& node, NodeStatus status, std::string reason, int64_t now) {
  node.status = status;
  node.reason = std::move(reason);
  node.finished_at = now;
}

RebootTarget forwardTarget(const Deployment& d) {
  return {rebootToken(d.id), d.spec.system, d.reboot_timeout_s, d.spec.confirm_within_s};
}

// A node in one of the reboot steps of the deployment's system.
void observeRebootStep(const Deployment& d, NodeRollout& node, const NodeInput& input,
                       RolloutStep& step, int64_t now) {
  RebootRound round = stepReboot(phaseOf(node.status), node, input, forwardTarget(d), step.reboot,
                                 step.undrain, now);
  switch (round.result) {
    case RebootRound::Result::kWaiting:
      node.status = statusIn<NodeStatus>(round.phase);
      break;
    case RebootRound::Result::kPassed:
      node.status = NodeStatus::kApplied;
      node.finished_at = now;
      break;
    case RebootRound::Result::kFailed:
      failNode(node, round.failure, std::move(round.reason), now);
      break;
  }
}

// A failure stops the rollout: the first one names the reason.
void stopOnFailure(Deployment& d, const NodeRollout& node) {
  if (!isFailure(node.status) || !d.reason.empty()) return;
  d.reason = "node " + node.id + " " + std::string(toString(node.status)) +
             (node.reason.empty() ? "" : ": " + node.reason);
}

bool any(const Deployment& d, auto predicate) {
  return std::any_of(d.nodes.begin(), d.nodes.end(), predicate);
}

void observeInFlight(Deployment& d, NodeRollout& node, RolloutStep& step, const NodeInput& input,
                     int64_t now) {
  switch (node.status) {
    case NodeStatus::kUpdating:
      observeUpdate(d, node, input, now);
      if (node.status == NodeStatus::kApplied && wantsReboot(d, input)) {
        node.status = statusIn<NodeStatus>(startReboot(d.id, node, input, step.drain, now));
      }
      break;
    case NodeStatus::kDraining:
    case NodeStatus::kRebooting:
    case NodeStatus::kConfirming:
      observeRebootStep(d, node, input, step, now);
      break;
    default:
      break;
  }
}

void advanceRunning(Deployment& d, RolloutStep& step, const NodeLookup& lookup, int64_t now) {
  // A failure already recorded without its reason: its node's progress document was written
  // and the header, which carries the reason, was not (a coordinator that died between them).
  // The first one found names it now, as stopOnFailure would have.
  if (d.reason.empty()) {
    auto failed = std::find_if(d.nodes.begin(), d.nodes.end(),
                               [](const auto& n) { return isFailure(n.status); });
    if (failed != d.nodes.end()) stopOnFailure(d, *failed);
  }
  for (auto& node : d.nodes) {
    if (!inFlight(node.status)) continue;
    observeInFlight(d, node, step, lookup(node.id), now);
    stopOnFailure(d, node);
  }
  int64_t busy = std::count_if(d.nodes.begin(), d.nodes.end(),
                               [](const auto& n) { return inFlight(n.status); });
  // Once, not per pending node: starting or skipping one fails none (at 10,000 nodes a walk
  // per node was the round's largest cost).
  const bool stopping = d.stopping();
  for (auto& node : d.nodes) {
    if (node.status != NodeStatus::kPending) continue;
    if (stopping) {
      node.status = NodeStatus::kNotStarted;
      continue;
    }
    if (busy >= d.max_parallel) break;
    NodeInput input = lookup(node.id);
    if (!input.skip_reason.empty()) {
      node.status = NodeStatus::kSkipped;
      node.reason = input.skip_reason;
      continue;
    }
    node.status = NodeStatus::kUpdating;
    node.started_at = now;
    node.desired_written = true;
    step.start.push_back(node.id);
    ++busy;
  }
  if (busy > 0) return;
  if (!d.stopping()) {
    if (!any(d, [](const auto& n) { return n.status == NodeStatus::kPending; })) {
      finish(d, DeploymentState::kSucceeded, now);
    }
    return;
  }
  // Stopped, and nothing is in flight any more: return the updated nodes, or end here.
  if (d.auto_revert && any(d, [](const auto& n) { return n.desired_written; })) {
    beginRevert(d, step, now);
    if (!any(d, [](const auto& n) { return n.revert == RevertStatus::kReverting; })) {
      finish(d, DeploymentState::kFailed, now);
    }
  } else {
    finish(d, DeploymentState::kFailed, now);
  }
}

}  // namespace

std::optional<SystemReport> parseSystemReport(const Json& report) {
  if (!report.is_object()) return std::nullopt;
  SystemReport r;
  auto outcome = common::parseEnum<ActivationOutcome>(str(report, "outcome"));
  if (!outcome) return std::nullopt;
  r.outcome = *outcome;
  r.system = str(report, "system");
  r.deployment = str(report, "deployment");
  r.previous_system = str(report, "previous_system");
  r.reason = str(report, "reason");
  auto gen = report.find("generation");
  if (gen != report.end() && gen->is_number_integer()) r.generation = gen->get<int64_t>();
  // The agent's step timings, numbers only and a few of them (they go into the record).
  auto required = report.find("reboot_required");
  r.reboot_required = required != report.end() && required->is_boolean() && required->get<bool>();
  r.booted_system = str(report, "booted_system");
  r.boot_id = str(report, "boot_id");
  if (auto reboot = report.find("reboot"); reboot != report.end() && reboot->is_object()) {
    r.reboot_token = str(*reboot, "token");
    r.reboot_state = str(*reboot, "state");
    r.reboot_health = str(*reboot, "health");
    r.reboot_reason = str(*reboot, "reason").substr(0, 1024);
  }
  auto timings = report.find("timings");
  if (timings != report.end() && timings->is_object()) {
    r.timings = Json::object();
    for (const auto& [key, value] : timings->items()) {
      if (value.is_number() && key.size() <= 32 && r.timings.size() < 16) r.timings[key] = value;
    }
  }
  return r;
}

RolloutStep advance(const Deployment& d, const NodeLookup& lookup, int64_t now) {
  RolloutStep step;
  step.next = d;
  if (d.state == DeploymentState::kRunning) {
    advanceRunning(step.next, step, lookup, now);
  } else if (d.state == DeploymentState::kReverting) {
    advanceReverting(step.next, step, lookup, now);
  }
  step.changed = step.next.state != d.state || step.next.reason != d.reason ||
                 step.next.finished_at != d.finished_at || step.next.nodes != d.nodes;
  return step;
}

void cancelNodes(Deployment& next, int64_t now) {
  for (auto& node : next.nodes) {
    if (node.status == NodeStatus::kPending) {
      node.status = NodeStatus::kCancelled;
    } else if (inFlight(node.status)) {
      node.reason = "cancelled while " + std::string(toString(node.status)) +
                    "; its desired system stays this deployment's";
      node.status = NodeStatus::kCancelled;
      node.finished_at = now;
      node.drained_by_us = false;
    }
    if (node.revert == RevertStatus::kReverting || revertRebootInFlight(node.revert)) {
      // A revert stopped in its reboot steps is undrained, as a rollout's is.
      if (node.revert != RevertStatus::kReverting && node.revert != RevertStatus::kRebootPending) {
        node.drained_by_us = false;
      }
      node.revert = RevertStatus::kCancelled;
      node.revert_finished_at = now;
    }
  }
}

Deployment cancelDeployment(const Deployment& d, int64_t now) {
  Deployment next = d;
  if (isFinal(d.state)) return next;
  cancelNodes(next, now);
  if (next.reason.empty())
    next.reason = "cancelled by the operator";
  else
    next.reason += "; cancelled by the operator";
  finish(next, DeploymentState::kCancelled, now);
  return next;
}

std::vector<std::string> cancelUndrains(const Deployment& before, const Deployment& after) {
  std::vector<std::string> out;
  for (size_t i = 0; i < before.nodes.size() && i < after.nodes.size(); ++i) {
    if (before.nodes[i].drained_by_us && !after.nodes[i].drained_by_us) {
      out.push_back(before.nodes[i].id);
    }
  }
  return out;
}

}  // namespace photon::coordinator
