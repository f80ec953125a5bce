// The domains' reports of one pass as the agent's metrics read them: through each domain's
// strict typed reader (common/api/), never by field name and string literal here, so that a
// state the metrics count is one the compiler knows. A report that does not read counts
// nothing and is named (photon_agent_report_unreadable{domain}): the agent wrote it itself, so
// that is a bug to see, not a value to guess.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "common/api/bgp_report.h"
#include "common/api/observed.h"
#include "common/api/units_report.h"
#include "common/api/vm_report.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

// What the metrics show of the "system" domain (agent/nixos/nixos_reconciler.h writes it).
struct SystemGauges {
  std::optional<common::ActivationOutcome> outcome;  // none in a report of the loop's own error
  int64_t generation = 0;
  bool reboot_required = false;
};

[[nodiscard]] common::Result<SystemGauges> systemGaugesFromJson(const common::Json& j,
                                                                const std::string& path);

// The reports of the domains the metrics count, each present when its domain reported and the
// report read.
struct DomainReports {
  std::optional<SystemGauges> system;
  std::optional<common::UnitsReport> units;
  std::optional<common::VmsReport> vms;
  std::optional<common::BgpReport> bgp;
  std::set<std::string> reported;    // of those four, the domains that reported
  std::set<std::string> unreadable;  // of those, the ones whose report did not read
};

// From a pass's {"<domain>": report, ...}.
DomainReports readDomainReports(const common::Json& domains);

// Whether a domain's observed state says its last reconcile went wrong: an error at its top
// level (the shape, the bus, BIRD, a throw), a failed system activation, an instance or VM that
// could not be acted on, or a report that does not read.
bool domainFailed(const std::string& domain, const common::Json& observed);

}  // namespace photon::agent
