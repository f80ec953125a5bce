// The units domain's plan: a pure function from the desired instances and the photon-* units
// systemd reports to the starts, replacements and stops that move one towards the other.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "agent/units/instance_spec.h"
#include "agent/units/systemd_bus.h"

namespace photon::agent {

enum class UnitActionKind { kStop, kStart, kReplace };

struct UnitAction {
  UnitActionKind kind = UnitActionKind::kStart;
  std::string unit;
  InstanceSpec spec;  // for kStart and kReplace
  std::string reason;
};

// `held`: instances whose new desired entry was refused; whatever runs for them is left alone.
// Stops come first (they free resources), then starts, then replacements, which the
// reconciler applies one at a time.
std::vector<UnitAction> planUnits(const std::vector<InstanceSpec>& desired,
                                  const std::set<std::string>& held,
                                  const std::vector<UnitState>& observed);

std::string toString(UnitActionKind kind);

}  // namespace photon::agent
