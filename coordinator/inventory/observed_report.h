// The part of an agent's observed report (PUT /api/v1/nodes/{id}/observed) that moves the
// node's lifecycle: {"install": {"phase": "installing|installed|failed", "error": "…"}}.
// Pure, so that the fuzz target drives the same code as the handler.
#pragma once

#include <string>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::coordinator {

struct InstallReport {
  std::string phase;  // "" when the report has no "install" part
  std::string error;
};

// kInvalid naming the field when the body is not an object or "install" is malformed.
[[nodiscard]] common::Result<InstallReport> parseInstallReport(const common::Json& observed);

}  // namespace photon::coordinator
