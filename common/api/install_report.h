// The install ("bootstrap") part of an agent's observed report, which moves the node's
// lifecycle: {"install": {"phase": "installing|installed|failed", "error": "…"}}. The
// bootstrapper writes it through toJson, the coordinator reads it with installReportFromObserved
// (pure, so that the fuzz target drives the same code as the handler).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "common/api/name_table.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

enum class InstallPhase { kInstalling, kInstalled, kFailed };

template <>
struct EnumNames<InstallPhase> {
  static constexpr std::array<std::pair<InstallPhase, std::string_view>, 3> kNames = {{
      {InstallPhase::kInstalling, "installing"},
      {InstallPhase::kInstalled, "installed"},
      {InstallPhase::kFailed, "failed"},
  }};
};

inline std::string_view toString(InstallPhase v) {
  return enumName(v);
}

struct InstallReport {
  InstallPhase phase = InstallPhase::kInstalling;
  std::string error;  // why it failed; empty otherwise

  bool operator==(const InstallReport&) const = default;
};

// The "install" object (its caller puts it under "install").
Json toJson(const InstallReport& report);

// nullopt when the report has no "install" part; kInvalid naming the field when the body is not
// an object or "install" is malformed (an unknown phase among them).
[[nodiscard]] Result<std::optional<InstallReport>> installReportFromObserved(const Json& observed);

}  // namespace photon::common
