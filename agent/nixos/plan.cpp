#include "agent/nixos/plan.h"

namespace photon::agent {

bool runsDesired(const SystemSpec& spec, const NixosObserved& observed) {
  bool in_profile = observed.generation && observed.generation->system == spec.system;
  bool running = observed.current_system == spec.system;
  switch (spec.mode) {
    case ActivationMode::kBoot:
      return in_profile;
    case ActivationMode::kTest:
      return running;
    case ActivationMode::kSwitch:
      return in_profile && running;
  }
  return false;
}

NixosPlan planNixos(const std::optional<SystemSpec>& desired, const NixosObserved& observed) {
  if (observed.journal) {
    return {NixosAction::kRecover, "an activation of " + observed.journal->spec.system +
                                       " was interrupted while " +
                                       phaseName(observed.journal->phase)};
  }
  if (!desired) return {NixosAction::kNothing, "no system desired"};
  const auto& last = observed.last;
  // The deployment id is part of the key: a new deployment of the same generation is a
  // deliberate retry by the operator.
  if (last && last->outcome != common::ActivationOutcome::kApplied &&
      last->system == desired->system && last->deployment == desired->deployment) {
    return {NixosAction::kHold, desired->system + " was " +
                                    std::string(common::toString(last->outcome)) +
                                    " on this node; not retried until the desired system changes"};
  }
  if (runsDesired(*desired, observed)) return {NixosAction::kNothing, "runs the desired system"};
  return {NixosAction::kActivate, "activate " + desired->system};
}

bool rebootRequired(const BootFiles& booted, const BootFiles& system) {
  // Without a booted system (a container, a test) or kernel links there is nothing to compare.
  if (booted.kernel.empty() || system.kernel.empty()) return false;
  return booted != system;
}

}  // namespace photon::agent
