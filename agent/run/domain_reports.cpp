#include "agent/run/domain_reports.h"

#include <algorithm>
#include <limits>

namespace photon::agent {
namespace {
using common::Json;

bool nonEmpty(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return false;
  if (it->is_string() || it->is_array() || it->is_object()) return !it->empty();
  return true;
}

// Reads domains[name] with `read` into `into`; notes the domain as reported, and as unreadable
// when `read` refuses it.
template <typename T, typename Read>
void readDomain(const Json& domains, const char* name, Read read, std::optional<T>& into,
                DomainReports& out) {
  auto it = domains.find(name);
  if (it == domains.end() || it->is_null()) return;
  out.reported.insert(name);
  auto report = read(*it, name);
  if (report) {
    into = std::move(*report);
  } else {
    out.unreadable.insert(name);
  }
}

bool anyFailed(const auto& items) {
  return std::any_of(items.begin(), items.end(),
                     [](const auto& item) { return !item.error.empty(); });
}

}  // namespace

common::Result<SystemGauges> systemGaugesFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(common::requireObject(j, path));
  SystemGauges s;
  if (auto o = j.find("outcome"); o != j.end() && !o->is_null()) {
    PHOTON_TRY(s.outcome, common::readEnum<common::ActivationOutcome>(j, "outcome", path));
  }
  PHOTON_TRY(s.generation,
             common::readInt(j, "generation", path, 0, std::numeric_limits<int64_t>::max(), 0));
  PHOTON_TRY(s.reboot_required, common::readBool(j, "reboot_required", path, false));
  return s;
}

DomainReports readDomainReports(const Json& domains) {
  DomainReports out;
  if (!domains.is_object()) return out;
  readDomain(domains, "system", systemGaugesFromJson, out.system, out);
  readDomain(domains, "units", common::unitsReportFromJson, out.units, out);
  readDomain(domains, "vms", common::vmsReportFromJson, out.vms, out);
  readDomain(domains, "bgp", common::bgpReportFromJson, out.bgp, out);
  return out;
}

bool domainFailed(const std::string& domain, const Json& observed) {
  if (!observed.is_object()) return true;
  if (nonEmpty(observed, "error") || nonEmpty(observed, "errors") ||
      nonEmpty(observed, "desired_error")) {
    return true;
  }
  DomainReports reports = readDomainReports(Json{{domain, observed}});
  if (reports.unreadable.contains(domain)) return true;
  if (reports.system) return reports.system->outcome == common::ActivationOutcome::kFailed;
  if (reports.units) return anyFailed(reports.units->instances);
  if (reports.vms) return anyFailed(reports.vms->vms);
  return false;
}

}  // namespace photon::agent
