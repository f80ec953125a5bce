#include "common/api/vm_report.h"

#include <limits>

#include "common/api/name_table.h"
#include "common/api/report_fields.h"

namespace photon::common {
namespace {

constexpr int64_t kMaxCount = std::numeric_limits<int64_t>::max();

Result<VmShutdown> shutdownFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  VmShutdown s;
  PHOTON_TRY(s.guest, readBool(j, "guest", path, false));
  PHOTON_TRY(s.reason, readString(j, "reason", path, ""));
  return s;
}

}  // namespace

Json toJson(const VmReport& r) {
  Json j = {{"name", r.name},
            {"status", toString(r.status)},
            {"pid", r.pid},
            {"devices", r.devices},
            {"pending_unplug", r.pending_unplug},
            {"restarts", r.restarts},
            {"reset_events", r.reset_events},
            {"pending_restart", r.pending_restart}};
  if (r.last_shutdown) {
    j["last_shutdown"] = {{"guest", r.last_shutdown->guest}};
    if (!r.last_shutdown->reason.empty()) j["last_shutdown"]["reason"] = r.last_shutdown->reason;
  }
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}

Result<VmReport> vmReportFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  VmReport r;
  PHOTON_TRY(r.name, readString(j, "name", path));
  PHOTON_TRY(r.status, readEnum(j, "status", path, VmStatus::kUnknown));
  PHOTON_TRY(r.pid, readInt(j, "pid", path, 0, std::numeric_limits<int32_t>::max(), 0));
  PHOTON_TRY(r.devices, readStringList(j, "devices", path));
  PHOTON_TRY(r.pending_unplug, readStringList(j, "pending_unplug", path));
  PHOTON_TRY(r.restarts, readInt(j, "restarts", path, 0, kMaxCount, 0));
  PHOTON_TRY(r.reset_events, readInt(j, "reset_events", path, 0, kMaxCount, 0));
  PHOTON_TRY(r.pending_restart, readStringList(j, "pending_restart", path));
  if (auto s = j.find("last_shutdown"); s != j.end() && !s->is_null()) {
    PHOTON_TRY(r.last_shutdown, shutdownFromJson(*s, joinPath(path, "last_shutdown")));
  }
  PHOTON_TRY(r.error, readReportedError(j, "error", path));
  return r;
}

Json toJson(const VmsReport& report) {
  Json j = {{"accel", report.accel}, {"vms", Json::array()}};
  for (const auto& vm : report.vms) j["vms"].push_back(toJson(vm));
  if (!report.error.empty()) j["error"] = report.error;
  return j;
}

Result<VmsReport> vmsReportFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  VmsReport report;
  PHOTON_TRY(report.accel, readString(j, "accel", path, ""));
  PHOTON_TRY(Json vms, readArray(j, "vms", path));
  const std::string at = joinPath(path, "vms");
  for (size_t i = 0; i < vms.size(); ++i) {
    PHOTON_TRY(auto vm, vmReportFromJson(vms[i], at + "[" + std::to_string(i) + "]"));
    report.vms.push_back(std::move(vm));
  }
  PHOTON_TRY(report.error, readReportedError(j, "error", path));
  return report;
}

Result<std::optional<VmsReport>> vmsReportFromObserved(const Json& observed) {
  const Json* vms = observedDomain(observed, "vms");
  if (!vms) return std::optional<VmsReport>();
  PHOTON_TRY(auto report, vmsReportFromJson(*vms, "domains.vms"));
  return std::optional<VmsReport>(std::move(report));
}

}  // namespace photon::common
