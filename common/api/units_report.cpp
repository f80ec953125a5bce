#include "common/api/units_report.h"

#include <limits>

namespace photon::common {
namespace {

// Absent or null: nullopt (systemd's infinity).
Result<std::optional<uint64_t>> readLimit(const Json& j, const std::string& key,
                                          const std::string& path) {
  auto e = j.find(key);
  if (e == j.end() || e->is_null()) return std::optional<uint64_t>();
  PHOTON_TRY(int64_t n, readInt(j, key, path, 0, std::numeric_limits<int64_t>::max()));
  return std::optional<uint64_t>(static_cast<uint64_t>(n));
}

Json limitJson(const std::optional<uint64_t>& limit) {
  return limit ? Json(*limit) : Json(nullptr);
}

// The unit's status sits beside the instance's fields (one flat entry, as the wire always had).
void writeStatus(const UnitStatus& s, Json& j) {
  j["sub_state"] = s.sub_state;
  j["main_pid"] = s.main_pid;
  j["n_restarts"] = s.n_restarts;
  j["exec_main_status"] = s.exec_main_status;
  j["memory_max"] = limitJson(s.memory_max);
  j["cpu_quota_per_sec_usec"] = limitJson(s.cpu_quota_per_sec_usec);
}

Result<std::optional<UnitStatus>> readStatus(const Json& j, const std::string& path) {
  if (!j.contains("sub_state") && !j.contains("main_pid")) return std::optional<UnitStatus>();
  constexpr int64_t kU32 = std::numeric_limits<uint32_t>::max();
  constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min();
  constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();
  UnitStatus s;
  PHOTON_TRY(s.sub_state, readString(j, "sub_state", path, ""));
  PHOTON_TRY(auto pid, readInt(j, "main_pid", path, 0, kU32, 0));
  PHOTON_TRY(auto restarts, readInt(j, "n_restarts", path, 0, kU32, 0));
  PHOTON_TRY(auto status, readInt(j, "exec_main_status", path, kI32Min, kI32Max, 0));
  s.main_pid = static_cast<uint32_t>(pid);
  s.n_restarts = static_cast<uint32_t>(restarts);
  s.exec_main_status = static_cast<int32_t>(status);
  PHOTON_TRY(s.memory_max, readLimit(j, "memory_max", path));
  PHOTON_TRY(s.cpu_quota_per_sec_usec, readLimit(j, "cpu_quota_per_sec_usec", path));
  return std::optional<UnitStatus>(std::move(s));
}

Json toJson(const RunningUnit& r) {
  Json j = {{"unit", r.unit}, {"state", toString(r.state)}};
  if (!r.revision.empty()) j["revision"] = r.revision;
  writeStatus(r.status, j);
  return j;
}

Result<RunningUnit> runningUnitFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  RunningUnit r;
  PHOTON_TRY(r.unit, readString(j, "unit", path, ""));
  PHOTON_TRY(r.state, readEnum(j, "state", path, InstanceState::kUnknown));
  PHOTON_TRY(r.revision, readString(j, "revision", path, ""));
  PHOTON_TRY(auto status, readStatus(j, path));
  if (status) r.status = std::move(*status);
  return r;
}

}  // namespace

Json toJson(const InstanceReport& r) {
  Json j = {{"name", r.name}, {"state", toString(r.state)}};
  if (r.health != InstanceHealth::kUnknown) j["health"] = toString(r.health);
  if (!r.revision.empty()) j["revision"] = r.revision;
  if (!r.error.empty()) j["error"] = r.error;
  if (!r.unit.empty()) j["unit"] = r.unit;
  if (r.status) writeStatus(*r.status, j);
  if (!r.desired_revision.empty()) j["desired_revision"] = r.desired_revision;
  if (!r.health_error.empty()) j["health_error"] = r.health_error;
  if (!r.field.empty()) j["field"] = r.field;
  if (r.running) j["running"] = toJson(*r.running);
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
  PHOTON_TRY(r.error, readReportedError(j, "error", path));
  PHOTON_TRY(r.unit, readString(j, "unit", path, ""));
  PHOTON_TRY(r.status, readStatus(j, path));
  PHOTON_TRY(r.desired_revision, readString(j, "desired_revision", path, ""));
  PHOTON_TRY(r.health_error, readReportedError(j, "health_error", path));
  PHOTON_TRY(r.field, readString(j, "field", path, ""));
  if (auto running = j.find("running"); running != j.end() && !running->is_null()) {
    PHOTON_TRY(r.running, runningUnitFromJson(*running, joinPath(path, "running")));
  }
  return r;
}

Json toJson(const UnitsReport& report) {
  Json out = {{"instances", Json::array()}};
  for (const auto& i : report.instances) out["instances"].push_back(toJson(i));
  if (!report.error.empty()) out["error"] = report.error;
  if (!report.field.empty()) out["field"] = report.field;
  return out;
}

Result<UnitsReport> unitsReportFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  UnitsReport report;
  PHOTON_TRY(Json instances, readArray(j, "instances", path));
  const std::string at = joinPath(path, "instances");
  for (size_t i = 0; i < instances.size(); ++i) {
    PHOTON_TRY(auto entry,
               instanceReportFromJson(instances[i], at + "[" + std::to_string(i) + "]"));
    report.instances.push_back(std::move(entry));
  }
  PHOTON_TRY(report.error, readReportedError(j, "error", path));
  PHOTON_TRY(report.field, readString(j, "field", path, ""));
  return report;
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
    unreadable.error = cutReportedError((r.error().field.empty() ? "" : r.error().field + ": ") +
                                        r.error().message);
    out.push_back(std::move(unreadable));
  }
  return out;
}

}  // namespace photon::common
