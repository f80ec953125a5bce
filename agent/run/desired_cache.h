// The last accepted desired document, kept in the state dir so that the node keeps running it
// through coordinator outages and agent restarts. The file carries a SHA-256 of the document:
// a torn or edited file is detected and ignored, never half-applied.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

inline constexpr const char* kDesiredCacheFile = "desired.json";

// {"sha256": "<hex of the document's dump>", "document": {...}}
std::string encodeDesiredCache(const common::Json& document);
// An error (kInvalid) when the text does not parse, lacks a field or its checksum is wrong.
[[nodiscard]] common::Result<common::Json> decodeDesiredCache(std::string_view text);

[[nodiscard]] common::Status saveDesiredCache(const std::string& path,
                                              const common::Json& document);
// Nothing when there is no file yet; an error when the file is unreadable or corrupt.
[[nodiscard]] common::Result<std::optional<common::Json>> loadDesiredCache(const std::string& path);

}  // namespace photon::agent
