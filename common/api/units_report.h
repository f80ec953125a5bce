// The agent's observed "units" domain as the coordinator reads it: one entry per instance with
// its unit state, the agent's health verdict, the revision its unit runs and the last action
// error. The agent reports more (PIDs, restarts, limits) for operators; these are the fields
// placement decides on, read strictly: an unknown state is an error naming its field.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/api/observed.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

// The agent's error goes into the placement document (and its reasons): cut to this, so that the
// stored state always reads back (json_fields.h's string limit).
inline constexpr size_t kMaxReportedError = 1024;

struct InstanceReport {
  std::string name;
  InstanceState state = InstanceState::kUnknown;
  InstanceHealth health = InstanceHealth::kUnknown;  // kUnknown: no check has run
  std::string revision;  // the revision the running unit was started for
  std::string error;     // at most kMaxReportedError (+ "...")

  bool operator==(const InstanceReport&) const = default;
};

// These fields of one instance entry (the agent adds its unit details to them).
Json toJson(const InstanceReport& report);
[[nodiscard]] Result<InstanceReport> instanceReportFromJson(const Json& j, const std::string& path);

// The instances of a whole observed document ({"domains": {"units": {"instances": [...]}}}); a
// document without a units domain or instances has none; instances that are not an array are
// the error. An entry that does not read is kept by name with state and health unknown and what
// was wrong as its error (so it hides none of the others); one without a name is dropped.
[[nodiscard]] Result<std::vector<InstanceReport>> unitsReportFromObserved(const Json& observed);

}  // namespace photon::common
