#include "common/api/units_report.h"

namespace photon::common {

Json toJson(const InstanceReport& r) {
  Json j = {{"name", r.name}, {"state", toString(r.state)}};
  if (r.health != InstanceHealth::kUnknown) j["health"] = toString(r.health);
  if (!r.revision.empty()) j["revision"] = r.revision;
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

Result<InstanceReport> instanceReportFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  InstanceReport r;
  PHOTON_TRY(r.name, readString(j, "name", path));
  if (r.name.empty()) return invalid(joinPath(path, "name"), "must not be empty");
  PHOTON_TRY(r.state, readEnum(j, "state", path, InstanceState::kUnknown));
  PHOTON_TRY(r.health, readEnum(j, "health", path, InstanceHealth::kUnknown));
  PHOTON_TRY(r.revision, readString(j, "revision", path, ""));
  // An error of any length is cut rather than refused: a long D-Bus or journal message must not
  // hide the instance's state.
  if (auto e = j.find("error"); e != j.end() && !e->is_null()) {
    if (!e->is_string()) return invalid(joinPath(path, "error"), "must be a string");
    r.error = e->get<std::string>();
    if (r.error.size() > kMaxReportedError) r.error = r.error.substr(0, kMaxReportedError) + "...";
  }
  return r;
}

Result<std::vector<InstanceReport>> unitsReportFromObserved(const Json& observed) {
  std::vector<InstanceReport> out;
  if (!observed.is_object()) return out;
  auto domains = observed.find("domains");
  if (domains == observed.end() || !domains->is_object()) return out;
  auto units = domains->find("units");
  if (units == domains->end() || !units->is_object()) return out;
  auto instances = units->find("instances");
  if (instances == units->end() || instances->is_null()) return out;
  const std::string path = "domains.units.instances";
  if (!instances->is_array()) return invalid(path, "must be an array");
  for (size_t i = 0; i < instances->size(); ++i) {
    const Json& entry = (*instances)[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    auto r = instanceReportFromJson(entry, at);
    if (r) {
      out.push_back(std::move(*r));
      continue;
    }
    // One entry this coordinator cannot read (a state newer than its table, say) must not hide
    // the node's other instances, a failed one among them: it stays, with what was wrong as its
    // error and nothing known of its state or health. Only an entry with no name is dropped.
    auto name = entry.is_object() ? entry.find("name") : entry.end();
    if (!entry.is_object() || name == entry.end() || !name->is_string() ||
        name->get_ref<const std::string&>().empty()) {
      continue;
    }
    InstanceReport unreadable;
    unreadable.name = name->get<std::string>();
    unreadable.error = (r.error().field.empty() ? "" : r.error().field + ": ") + r.error().message;
    if (unreadable.error.size() > kMaxReportedError) {
      unreadable.error = unreadable.error.substr(0, kMaxReportedError) + "...";
    }
    out.push_back(std::move(unreadable));
  }
  return out;
}

}  // namespace photon::common
