// The agent's observed "units" domain, one typed struct for both daemons: the agent builds a
// UnitsReport and writes it with toJson (its only writer), the coordinator reads it back with
// the strict readers here (its only reader). Placement decides on name, state, health, revision
// and error; the rest (systemd's view of the unit, the health check's error) is for operators.
// An unknown state is an error naming its field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/observed.h"
#include "common/api/report_fields.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

// systemd's view of a loaded unit, for operators: nothing of it is decided on.
struct UnitStatus {
  std::string sub_state;  // running, exited, auto-restart, dead, failed, ...
  uint32_t main_pid = 0;
  uint32_t n_restarts = 0;
  int32_t exec_main_status = 0;
  std::optional<uint64_t> memory_max;  // nullopt: infinity
  std::optional<uint64_t> cpu_quota_per_sec_usec;

  bool operator==(const UnitStatus&) const = default;
};

// The unit an instance refused by its new spec leaves running.
struct RunningUnit {
  std::string unit;
  InstanceState state = InstanceState::kUnknown;
  std::string revision;
  UnitStatus status;

  bool operator==(const RunningUnit&) const = default;
};

struct InstanceReport {
  std::string name;
  InstanceState state = InstanceState::kUnknown;
  InstanceHealth health = InstanceHealth::kUnknown;  // kUnknown: no check has run
  std::string revision;  // the revision the running unit was started for
  std::string error;     // at most kMaxReportedError (+ "...")
  // What the agent adds for operators.
  std::string unit;                    // its systemd unit; empty for a refused instance
  std::optional<UnitStatus> status;    // the unit is loaded
  std::string desired_revision;        // the revision of the spec the agent runs it for
  std::string health_error;            // the last failed check, cut like error
  std::string field;                   // refused: the field of its spec that was wrong
  std::optional<RunningUnit> running;  // refused: what still runs under its name

  bool operator==(const InstanceReport&) const = default;
};

// The whole domain: the instances, or why the agent could not reconcile them (error, field).
struct UnitsReport {
  std::vector<InstanceReport> instances;
  std::string error;
  std::string field;

  bool operator==(const UnitsReport&) const = default;
};

// One instance entry: its fields, with its unit's status beside them (as the wire always had).
Json toJson(const InstanceReport& report);
[[nodiscard]] Result<InstanceReport> instanceReportFromJson(const Json& j, const std::string& path);

// The domain document {"instances": [...], "error", "field"}; every entry strict.
Json toJson(const UnitsReport& report);
[[nodiscard]] Result<UnitsReport> unitsReportFromJson(const Json& j, const std::string& path);

// The instances of a whole observed document ({"domains": {"units": {"instances": [...]}}}); a
// document without a units domain or instances has none; instances that are not an array are
// the error. An entry that does not read is kept by name with state and health unknown and what
// was wrong as its error (so it hides none of the others); one without a name is dropped.
[[nodiscard]] Result<std::vector<InstanceReport>> unitsReportFromObserved(const Json& observed);

}  // namespace photon::common
