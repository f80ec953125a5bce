#include "agent/units/unit_planner.h"

#include <map>

#include "agent/units/unit_render.h"
#include "common/api/observed.h"

namespace photon::agent {

std::string toString(UnitActionKind kind) {
  switch (kind) {
    case UnitActionKind::kStop:
      return "stop";
    case UnitActionKind::kStart:
      return "start";
    case UnitActionKind::kReplace:
      return "replace";
  }
  return "?";
}

std::vector<UnitAction> planUnits(const std::vector<InstanceSpec>& desired,
                                  const std::set<std::string>& held,
                                  const std::vector<UnitState>& observed) {
  std::map<std::string, const UnitState*> units;
  for (const auto& u : observed) {
    if (u.load_state == "not-found" || instanceNameOf(u.name).empty()) continue;
    units[u.name] = &u;
  }
  std::vector<UnitAction> stops, starts, replaces;
  std::set<std::string> wanted;
  for (const auto& spec : desired) {
    auto unit = unitNameFor(spec.name);
    wanted.insert(unit);
    auto it = units.find(unit);
    if (it == units.end()) {
      starts.push_back({UnitActionKind::kStart, unit, spec, "not running"});
      continue;
    }
    const UnitState& state = *it->second;
    auto revision = revisionFromDescription(state.description);
    if (!revision || *revision != spec.revision) {
      replaces.push_back({UnitActionKind::kReplace, unit, spec,
                          "revision " + revision.value_or("unknown") + " -> " + spec.revision});
      continue;
    }
    // Same revision: adopt it. systemd restarts a crashed service itself; the agent steps in
    // only once systemd has given up (failed, or unloaded-but-inactive), and never for a
    // run-once instance.
    const auto active = common::parseEnum<common::InstanceState>(state.active_state);
    bool down =
        active == common::InstanceState::kFailed || active == common::InstanceState::kInactive;
    if (down && spec.restart != UnitRestart::kNo) {
      replaces.push_back({UnitActionKind::kReplace, unit, spec, "unit is " + state.active_state});
    }
  }
  for (const auto& [name, state] : units) {
    if (wanted.contains(name) || held.contains(instanceNameOf(name))) continue;
    // Only units this domain started (their Description carries the revision marker) are
    // stray: photon-agent.service and photon-coordinator.service share the prefix, and
    // stopping them would stop the agent itself (found by the e2e story).
    if (!revisionFromDescription(state->description)) continue;
    stops.push_back({UnitActionKind::kStop, name, {}, "not desired"});
  }
  std::vector<UnitAction> plan;
  plan.reserve(stops.size() + starts.size() + replaces.size());
  for (auto* group : {&stops, &starts, &replaces}) {
    for (auto& a : *group) plan.push_back(std::move(a));
  }
  return plan;
}

}  // namespace photon::agent
