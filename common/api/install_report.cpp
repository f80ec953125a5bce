#include "common/api/install_report.h"

namespace photon::common {

Json toJson(const InstallReport& report) {
  Json j = {{"phase", toString(report.phase)}};
  if (!report.error.empty()) j["error"] = report.error;
  return j;
}

Result<std::optional<InstallReport>> installReportFromObserved(const Json& observed) {
  PHOTON_CHECK(requireObject(observed, ""));
  if (!observed.contains("install")) return std::optional<InstallReport>();
  PHOTON_TRY(Json install, readObject(observed, "install", ""));
  InstallReport report;
  PHOTON_TRY(report.phase, readEnum<InstallPhase>(install, "phase", "install"));
  PHOTON_TRY(report.error, readString(install, "error", "install", ""));
  return std::optional<InstallReport>(std::move(report));
}

}  // namespace photon::common
