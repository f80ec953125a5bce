#include "coordinator/placement/world.h"

#include "common/api/units_report.h"

namespace photon::coordinator::placement {

using common::InstanceHealth;
using common::InstanceState;

common::Result<NodeObservation> parseObservedUnits(const common::Json& observed) {
  PHOTON_TRY(auto instances, common::unitsReportFromObserved(observed));
  NodeObservation out;
  for (auto& i : instances) {
    out[i.name] = InstanceObservation{i.state, i.health, std::move(i.revision), std::move(i.error)};
  }
  return out;
}

InstanceHealth healthOf(const InstanceObservation& o, const std::string& wanted_revision) {
  if (o.state == InstanceState::kRefused) return InstanceHealth::kRefused;
  if (o.state == InstanceState::kFailed) return InstanceHealth::kFailed;
  // A unit still running the previous revision says nothing about the wanted one.
  if (!o.revision.empty() && o.revision != wanted_revision) return InstanceHealth::kStarting;
  if (o.health == InstanceHealth::kHealthy) {
    return o.state == InstanceState::kActive ? InstanceHealth::kHealthy : InstanceHealth::kStarting;
  }
  if (o.health != InstanceHealth::kUnknown) return o.health;
  if (o.state == InstanceState::kActive) return InstanceHealth::kHealthy;
  if (o.state == InstanceState::kActivating || o.state == InstanceState::kInactive ||
      o.state == InstanceState::kUnknown) {
    return InstanceHealth::kStarting;
  }
  return InstanceHealth::kUnhealthy;
}

std::string World::nodeIdFor(const std::string& declared) const {
  for (const auto& [id, n] : nodes) {
    if (n.declared_name == declared) return id;
  }
  for (const auto& [id, n] : nodes) {
    if (n.hostname == declared) return id;
  }
  return {};
}

}  // namespace photon::coordinator::placement
