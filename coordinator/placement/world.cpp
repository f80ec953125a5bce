#include "coordinator/placement/world.h"

namespace photon::coordinator::placement {
namespace {
constexpr size_t kMaxObservedError = 1024;

std::string text(const common::Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}
}  // namespace

NodeObservation parseObservedUnits(const common::Json& observed) {
  NodeObservation out;
  if (!observed.is_object()) return out;
  auto domains = observed.find("domains");
  if (domains == observed.end() || !domains->is_object()) return out;
  auto units = domains->find("units");
  if (units == domains->end() || !units->is_object()) return out;
  auto instances = units->find("instances");
  if (instances == units->end() || !instances->is_array()) return out;
  for (const auto& i : *instances) {
    if (!i.is_object()) continue;
    std::string name = text(i, "name");
    if (name.empty()) continue;
    // The agent's error goes into the placement document (and its reasons): bounded, so that
    // the stored state always reads back (common/json_fields.h's string limit).
    std::string error = text(i, "error");
    if (error.size() > kMaxObservedError) error = error.substr(0, kMaxObservedError) + "...";
    out[name] = InstanceObservation{text(i, "state"), text(i, "health"), text(i, "revision"),
                                    std::move(error)};
  }
  return out;
}

std::string healthOf(const InstanceObservation& o, const std::string& wanted_revision) {
  if (o.state == "refused") return "refused";
  if (o.state == "failed") return "failed";
  // A unit still running the previous revision says nothing about the wanted one.
  if (!o.revision.empty() && o.revision != wanted_revision) return "starting";
  if (o.health == "healthy") return o.state == "active" ? "healthy" : "starting";
  if (!o.health.empty()) return o.health;
  if (o.state == "active") return "healthy";
  if (o.state == "activating" || o.state == "inactive" || o.state.empty()) return "starting";
  return "unhealthy";
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
