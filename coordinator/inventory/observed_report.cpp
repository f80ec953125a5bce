#include "coordinator/inventory/observed_report.h"

#include <set>

namespace photon::coordinator {

common::Result<InstallReport> parseInstallReport(const common::Json& observed) {
  PHOTON_CHECK(common::requireObject(observed, ""));
  InstallReport report;
  if (!observed.contains("install")) return report;
  PHOTON_TRY(common::Json install, common::readObject(observed, "install", ""));
  PHOTON_TRY(report.phase, common::readString(install, "phase", "install"));
  PHOTON_TRY(report.error, common::readString(install, "error", "install", ""));
  static const std::set<std::string> kPhases = {"installing", "installed", "failed"};
  if (!kPhases.contains(report.phase)) {
    return common::invalid("install.phase", "must be installing, installed or failed");
  }
  return report;
}

}  // namespace photon::coordinator
