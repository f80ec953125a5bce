// The rollout as a pure state machine: given a deployment, what each of its nodes reports and
// the time, the next deployment and which nodes' desired system section to write. No I/O here;
// the store layer (deployments.cpp) reads the inputs and commits the step in one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/deploy/deployment.h"

namespace photon::coordinator {

// What the planner knows of a node this round.
struct NodeInput {
  std::string skip_reason;  // not empty: do not start it (drained, missing, gone)
  Json report = nullptr;    // its observed "system" domain, or null
};
using NodeLookup = std::function<NodeInput(const std::string& node_id)>;

// The agent's nixos report, the fields the rollout reads.
struct SystemReport {
  std::string outcome;  // applied, rolled-back, failed, activating
  std::string system;
  std::string deployment;
  std::string previous_system;
  std::string reason;
  int64_t generation = 0;
  Json timings = nullptr;
};
std::optional<SystemReport> parseSystemReport(const Json& report);

struct RolloutStep {
  Deployment next;
  std::vector<std::string> start;   // set desiredSection(next) on these (recording `previous`)
  std::vector<std::string> revert;  // set revertSection(next, node), or remove the section
  bool changed = false;
};

[[nodiscard]] RolloutStep advance(const Deployment& d, const NodeLookup& lookup, int64_t now);
// The operator's cancel: nothing more is started or awaited; nodes keep what they were given.
[[nodiscard]] Deployment cancelDeployment(const Deployment& d, int64_t now);

}  // namespace photon::coordinator
