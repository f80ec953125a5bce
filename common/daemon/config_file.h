// A daemon's JSON config file, read whole: an error names what to fix — the line and column of
// a syntax error, the key of a wrong value (the json_fields readers' Error::field).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

// Larger than any config a person writes; a file past it is refused, not read into memory.
inline constexpr size_t kMaxConfigBytes = 64 * 1024;

// The config in `text` (a JSON object); `source` names it in errors.
[[nodiscard]] Result<Json> parseJsonConfig(std::string_view text, const std::string& source);

// Reads and parses the config file at `path`.
[[nodiscard]] Result<Json> readJsonConfig(const std::string& path);

// "line L, column C" (from 1) of byte `offset` in `text`.
std::string describePosition(std::string_view text, size_t offset);

// "key 'poll_interval': must be between 1 and 3600" from a json_fields reader's error.
std::string describeConfigError(const Error& error);

}  // namespace photon::common
