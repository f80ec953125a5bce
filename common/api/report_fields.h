// What every observed report's reader shares: an agent's error text is cut to a bound rather
// than refused, so that a long D-Bus, QMP or journal message never hides the state beside it
// (and the stored state always reads back: json_fields.h's string limit).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

inline constexpr size_t kMaxReportedError = 1024;

// At most kMaxReportedError characters, and "..." when cut.
std::string cutReportedError(std::string text);

// An optional error field: "" when absent or null, cut when long, kInvalid when not a string.
[[nodiscard]] Result<std::string> readReportedError(const Json& j, const std::string& key,
                                                    const std::string& path);

// The section of one domain in a whole observed document ({"domains": {"<domain>": ...}}); null
// when the document holds none (not an object, no domains, or the domain absent or null).
const Json* observedDomain(const Json& observed, std::string_view domain);

}  // namespace photon::common
