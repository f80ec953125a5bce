#include "coordinator/deploy/rollout.h"

#include <algorithm>

namespace photon::coordinator {
namespace {

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
    if (report->outcome != "activating") node.timings = report->timings;
    if (report->outcome == "applied") {
      node.status = NodeStatus::kApplied;
      node.generation = report->generation;
      node.finished_at = now;
      return;
    }
    if (report->outcome == "rolled-back" || report->outcome == "failed") {
      node.status = report->outcome == "failed" ? NodeStatus::kFailed : NodeStatus::kRolledBack;
      node.reason = report->reason.substr(0, 1024);
      node.finished_at = now;
      return;
    }
  }
  if (now - node.started_at >= d.node_timeout_s) {
    node.status = NodeStatus::kTimeout;
    node.reason = "no outcome reported within node_timeout_s (" +
                  std::to_string(d.node_timeout_s) + "s)";
    node.finished_at = now;
  }
}

void observeRevert(Deployment& d, NodeRollout& node, const NodeInput& input, int64_t now) {
  auto target = revertSection(d, node);
  auto report = parseSystemReport(input.report);
  if (target && report && report->deployment == revertTag(d.id) &&
      report->system == str(*target, "system")) {
    if (report->outcome == "applied") {
      node.revert = RevertStatus::kReverted;
      node.revert_finished_at = now;
      return;
    }
    if (report->outcome == "rolled-back" || report->outcome == "failed") {
      node.revert = RevertStatus::kRevertFailed;
      node.reason += (node.reason.empty() ? "" : "; ") + ("revert: " + report->reason);
      node.revert_finished_at = now;
      return;
    }
  }
  if (now - node.revert_started_at >= d.node_timeout_s) {
    node.revert = RevertStatus::kRevertFailed;
    node.reason += (node.reason.empty() ? "" : "; ") + std::string("revert: no outcome within ") +
                   std::to_string(d.node_timeout_s) + "s";
    node.revert_finished_at = now;
  }
}

// A failure stops the rollout: the first one names the reason.
void stopOnFailure(Deployment& d, const NodeRollout& node) {
  if (!isFailure(node.status) || !d.reason.empty()) return;
  d.reason = "node " + node.id + " " + std::string(toString(node.status)) +
             (node.reason.empty() ? "" : ": " + node.reason);
}

void beginRevert(Deployment& d, RolloutStep& step, int64_t now) {
  d.state = DeploymentState::kReverting;
  for (auto& node : d.nodes) {
    if (!node.desired_written) continue;
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

bool any(const Deployment& d, auto predicate) {
  return std::any_of(d.nodes.begin(), d.nodes.end(), predicate);
}

void advanceRunning(Deployment& d, RolloutStep& step, const NodeLookup& lookup, int64_t now) {
  for (auto& node : d.nodes) {
    if (node.status != NodeStatus::kUpdating) continue;
    observeUpdate(d, node, lookup(node.id), now);
    stopOnFailure(d, node);
  }
  int64_t busy = std::count_if(d.nodes.begin(), d.nodes.end(),
                               [](const auto& n) { return n.status == NodeStatus::kUpdating; });
  for (auto& node : d.nodes) {
    if (node.status != NodeStatus::kPending) continue;
    if (d.stopping()) {
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

void advanceReverting(Deployment& d, const NodeLookup& lookup, int64_t now) {
  for (auto& node : d.nodes) {
    if (node.revert == RevertStatus::kReverting) observeRevert(d, node, lookup(node.id), now);
  }
  if (!any(d, [](const auto& n) { return n.revert == RevertStatus::kReverting; })) {
    finish(d, DeploymentState::kFailed, now);
  }
}
}  // namespace

std::optional<SystemReport> parseSystemReport(const Json& report) {
  if (!report.is_object()) return std::nullopt;
  SystemReport r;
  r.outcome = str(report, "outcome");
  r.system = str(report, "system");
  r.deployment = str(report, "deployment");
  r.previous_system = str(report, "previous_system");
  r.reason = str(report, "reason");
  auto gen = report.find("generation");
  if (gen != report.end() && gen->is_number_integer()) r.generation = gen->get<int64_t>();
  // The agent's step timings, numbers only and a few of them (they go into the record).
  auto timings = report.find("timings");
  if (timings != report.end() && timings->is_object()) {
    r.timings = Json::object();
    for (const auto& [key, value] : timings->items()) {
      if (value.is_number() && key.size() <= 32 && r.timings.size() < 16) r.timings[key] = value;
    }
  }
  if (r.outcome.empty()) return std::nullopt;
  return r;
}

RolloutStep advance(const Deployment& d, const NodeLookup& lookup, int64_t now) {
  RolloutStep step{d, {}, {}, false};
  if (d.state == DeploymentState::kRunning) {
    advanceRunning(step.next, step, lookup, now);
  } else if (d.state == DeploymentState::kReverting) {
    advanceReverting(step.next, lookup, now);
  }
  step.changed = toJson(step.next) != toJson(d);
  return step;
}

Deployment cancelDeployment(const Deployment& d, int64_t now) {
  Deployment next = d;
  if (isFinal(d.state)) return next;
  for (auto& node : next.nodes) {
    if (node.status == NodeStatus::kPending) {
      node.status = NodeStatus::kCancelled;
    } else if (node.status == NodeStatus::kUpdating) {
      node.status = NodeStatus::kCancelled;
      node.reason = "cancelled while updating; its desired system stays this deployment's";
      node.finished_at = now;
    }
    if (node.revert == RevertStatus::kReverting) {
      node.revert = RevertStatus::kCancelled;
      node.revert_finished_at = now;
    }
  }
  if (next.reason.empty()) next.reason = "cancelled by the operator";
  else next.reason += "; cancelled by the operator";
  finish(next, DeploymentState::kCancelled, now);
  return next;
}

}  // namespace photon::coordinator
