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
    PHOTON_TRY(auto r,
               instanceReportFromJson((*instances)[i], path + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace photon::common
