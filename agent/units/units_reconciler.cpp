#include "agent/units/units_reconciler.h"

#include <map>
#include <set>

#include "agent/units/sd_systemd_bus.h"
#include "agent/units/unit_planner.h"
#include "common/api/observed.h"
#include "common/api/units_report.h"

namespace photon::agent {
namespace {
using common::InstanceState;

constexpr const char* kUnitPrefix = "photon-";

UnitPhase phaseOf(const UnitState* unit) {
  if (!unit) return UnitPhase::kDown;
  const auto a = common::parseEnum<InstanceState>(unit->active_state);
  if (a == InstanceState::kActive || a == InstanceState::kReloading) return UnitPhase::kUp;
  if (a == InstanceState::kActivating) return UnitPhase::kStarting;
  return UnitPhase::kDown;
}

common::UnitStatus statusOf(const UnitState& u) {
  return {.sub_state = u.sub_state,
          .main_pid = u.main_pid,
          .n_restarts = u.n_restarts,
          .exec_main_status = u.exec_main_status,
          .memory_max = u.memory_max,
          .cpu_quota_per_sec_usec = u.cpu_quota_per_sec_usec};
}

// systemd's ActiveState as the report's enum; one newer than the table reads as unknown.
InstanceState stateOf(const UnitState& u) {
  return common::parseEnum<InstanceState>(u.active_state).value_or(InstanceState::kUnknown);
}

common::RunningUnit runningOf(const UnitState& u) {
  return {.unit = u.name,
          .state = stateOf(u),
          .revision = revisionFromDescription(u.description).value_or(""),
          .status = statusOf(u)};
}

common::InstanceHealth healthOf(HealthState state) {
  switch (state) {
    case HealthState::kStarting:
      return common::InstanceHealth::kStarting;
    case HealthState::kHealthy:
      return common::InstanceHealth::kHealthy;
    case HealthState::kUnhealthy:
      return common::InstanceHealth::kUnhealthy;
  }
  return common::InstanceHealth::kUnknown;
}

}  // namespace

UnitsReconciler::UnitsReconciler(std::unique_ptr<SystemdBus> bus,
                                 std::unique_ptr<HealthProbe> probe, RenderOptions options)
    : bus_(std::move(bus)),
      health_(std::make_shared<HealthMonitor>(std::move(probe))),
      options_(std::move(options)) {}

common::Status UnitsReconciler::validate(const Json& section) const {
  // Only the shape: a bad instance is refused alone, in reconcile(), not the whole document.
  return checkSection(section);
}

Json UnitsReconciler::reconcile(const Json& section) {
  return common::toJson(report(section));
}

common::UnitsReport UnitsReconciler::report(const Json& section) {
  common::UnitsReport out;
  std::vector<InstanceSpec> desired;
  std::set<std::string> held;
  // by name, or "#<index>" when the name itself is bad
  std::map<std::string, common::InstanceReport> refused;
  if (auto shape = checkSection(section); !shape) {
    out.error = shape.error().message;
    out.field = shape.error().field;
    return out;
  }
  std::set<std::string> names;
  if (section.is_array()) {
    for (size_t i = 0; i < section.size(); ++i) {
      auto path = "units[" + std::to_string(i) + "]";
      auto spec = parseInstance(section[i], path);
      std::string key = "#" + std::to_string(i);
      if (section[i].is_object() && section[i].contains("name") && section[i]["name"].is_string()) {
        key = section[i]["name"].get<std::string>();
      }
      if (spec && names.contains(spec->name)) {
        spec = common::invalid(path + ".name", "duplicate instance name " + spec->name);
      }
      if (!spec) {
        held.insert(key);
        refused[key] = {.name = key,
                        .state = InstanceState::kRefused,
                        .error = spec.error().message,
                        .field = spec.error().field};
        continue;
      }
      names.insert(spec->name);
      desired.push_back(std::move(*spec));
    }
    last_desired_ = desired;
  } else {
    desired = last_desired_;  // keep judging the health of what runs
  }

  auto observed = bus_->listUnits(kUnitPrefix);
  if (!observed) {
    out.error = observed.error().context("list units").message;
    return out;
  }
  std::map<std::string, std::string> action_errors;  // by unit
  // A null section keeps whatever runs and starts nothing (the coordinator is unreachable and
  // no desired document was ever stored).
  if (!section.is_null()) {
    bool replace_failed = false;
    for (const auto& action : planUnits(desired, held, *observed)) {
      common::Status result;
      switch (action.kind) {
        case UnitActionKind::kStop:
          result = bus_->stopUnit(action.unit);
          break;
        case UnitActionKind::kStart:
          result = bus_->startTransientUnit(renderUnit(action.spec, options_));
          break;
        case UnitActionKind::kReplace:
          // One at a time: once a replacement fails the rest wait for the next round.
          if (replace_failed) {
            action_errors[action.unit] = "replacement deferred: an earlier one failed";
            continue;
          }
          result = bus_->stopUnit(action.unit);
          if (result) result = bus_->startTransientUnit(renderUnit(action.spec, options_));
          replace_failed = !result;
          break;
      }
      if (!result) {
        action_errors[action.unit] =
            result.error().context(toString(action.kind) + " (" + action.reason + ")").message;
      }
    }
    observed = bus_->listUnits(kUnitPrefix);
    if (!observed) {
      out.error = observed.error().context("list units").message;
      return out;
    }
  }

  std::map<std::string, const UnitState*> by_unit;
  for (const auto& u : *observed) by_unit[u.name] = &u;
  std::vector<HealthMonitor::Target> targets;
  for (const auto& spec : desired) {
    auto it = by_unit.find(unitNameFor(spec.name));
    targets.push_back({spec, phaseOf(it == by_unit.end() ? nullptr : it->second)});
  }
  health_->update(targets);

  for (const auto& spec : desired) {
    common::InstanceReport i{.name = spec.name, .state = InstanceState::kInactive};
    i.unit = unitNameFor(spec.name);
    if (auto it = by_unit.find(i.unit); it != by_unit.end()) {
      i.state = stateOf(*it->second);
      i.revision = revisionFromDescription(it->second->description).value_or("");
      i.status = statusOf(*it->second);
    }
    i.desired_revision = spec.revision;
    if (auto h = health_->report(spec.name)) {
      i.health = healthOf(h->state);
      i.health_error = h->last_error;
    }
    if (auto e = action_errors.find(i.unit); e != action_errors.end()) i.error = e->second;
    out.instances.push_back(std::move(i));
  }
  for (auto& [name, i] : refused) {
    // A refused update leaves the running unit alone; report what runs next to the refusal.
    if (auto it = by_unit.find(unitNameFor(name)); it != by_unit.end()) {
      i.running = runningOf(*it->second);
    }
    out.instances.push_back(std::move(i));
  }
  return out;
}

common::Result<std::unique_ptr<UnitsReconciler>> makeUnitsReconciler(RenderOptions options) {
  return makeUnitsReconciler("", std::move(options));
}

common::Result<std::unique_ptr<UnitsReconciler>> makeUnitsReconciler(const std::string& bus_address,
                                                                     RenderOptions options,
                                                                     ManagerView view) {
  auto bus = connectSystemdBus(bus_address);
  if (!bus) return std::unexpected(bus.error().context("units"));
  // The health workers ask for units' main processes on a connection of their own.
  auto locator_bus = connectSystemdBus(bus_address);
  if (!locator_bus) return std::unexpected(locator_bus.error().context("units"));
  auto probe = makeSystemHealthProbe(makeProcessRunner(),
                                     makeBusUnitLocator(std::move(*locator_bus), std::move(view)));
  return std::make_unique<UnitsReconciler>(std::move(*bus), std::move(probe), std::move(options));
}

}  // namespace photon::agent
