// The rollout as a pure state machine: given a deployment, what each of its nodes reports and
// the time, the next deployment and which nodes' desired system section to write. No I/O here;
// the store layer (deployments.cpp) reads the inputs and commits the step in one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/api/observed.h"
#include "coordinator/deploy/deployment.h"

namespace photon::coordinator {

// What the planner knows of a node this round.
struct NodeInput {
  std::string skip_reason;  // not empty: do not start it (drained, missing, gone)
  Json report = nullptr;    // its observed "system" domain, or null
  std::string state;        // its lifecycle state ("active", "draining", "drained", ...)
  std::string drained_by;   // who holds its drain (Node::drained_by), when drained
};
using NodeLookup = std::function<NodeInput(const std::string& node_id)>;

// The agent's nixos report, the fields the rollout reads.
struct SystemReport {
  common::ActivationOutcome outcome = common::ActivationOutcome::kActivating;
  std::string system;
  std::string deployment;
  std::string previous_system;
  std::string reason;
  int64_t generation = 0;
  Json timings = nullptr;
  bool reboot_required = false;
  std::string booted_system;
  std::string boot_id;
  // The agent's reboot for a token: "requested" (recorded, systemd told to reboot), "done"
  // (back in another boot), and after it the health gate: "ok", or the failing check.
  std::string reboot_token;
  std::string reboot_state;
  std::string reboot_health;
  std::string reboot_reason;
};
// Nothing when the report has no outcome, or one this coordinator does not know.
std::optional<SystemReport> parseSystemReport(const Json& report);

struct RolloutStep {
  Deployment next;
  std::vector<std::string> start;    // set desiredSection(next) on these (recording `previous`)
  std::vector<std::string> revert;   // set revertSection(next, node), or remove the section
  std::vector<std::string> drain;    // drain these (placement moves their instances)
  std::vector<std::string> reboot;   // set rebootSection(next) on these
  std::vector<std::string> undrain;  // return these to active
  std::vector<std::string> revert_reboot;  // set revertRebootSection(next, node) on these
  bool changed = false;
};

[[nodiscard]] RolloutStep advance(const Deployment& d, const NodeLookup& lookup, int64_t now);
// The operator's cancel: nothing more is started or awaited; nodes keep what they were given,
// except that a node this deployment drained for its reboot is undrained (cancelUndrains).
[[nodiscard]] Deployment cancelDeployment(const Deployment& d, int64_t now);
std::vector<std::string> cancelUndrains(const Deployment& before, const Deployment& after);
// The cancel's change of the nodes alone, whatever the deployment's state: applied again to a
// cancelled deployment whose nodes were not all written, it changes only those.
void cancelNodes(Deployment& d, int64_t now);

}  // namespace photon::coordinator
