// What the nixos domain does next: a pure function of the desired section and what was
// observed on the node (profile, /run/current-system, journal, last outcome).
#pragma once

#include <optional>
#include <string>

#include "agent/nixos/journal.h"
#include "agent/nixos/nix_system.h"
#include "agent/nixos/system_spec.h"

namespace photon::agent {

struct NixosObserved {
  std::optional<Generation> generation;  // the profile's current generation
  std::string current_system;            // /run/current-system
  std::optional<Journal> journal;        // an activation that was interrupted
  std::optional<Outcome> last;           // the last activation's outcome
};

enum class NixosAction {
  kNothing,   // the node runs what is desired (or nothing is desired)
  kHold,      // the desired generation failed here before: not retried until it changes
  kRecover,   // finish or roll back the interrupted activation first
  kActivate,  // activate the desired generation
};

struct NixosPlan {
  NixosAction action = NixosAction::kNothing;
  std::string why;
};

NixosPlan planNixos(const std::optional<SystemSpec>& desired, const NixosObserved& observed);

// Whether the node already runs `spec` as its mode means it: the profile for boot, the running
// system for test, both for switch.
bool runsDesired(const SystemSpec& spec, const NixosObserved& observed);

// A reboot is required when the booted kernel or initrd differs from the system's.
bool rebootRequired(const BootFiles& booted, const BootFiles& system);

}  // namespace photon::agent
