// Typed, bounded reads of JSON fields that name the field path in their errors, so that every
// REST handler can answer {"error", "field"} without catching nlohmann's exceptions itself.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace photon::common {

using Json = nlohmann::json;

constexpr size_t kMaxStringLength = 4096;
constexpr size_t kMaxListLength = 1024;

// Parses a request body; a malformed document is a 400 naming "body".
Result<Json> parseJsonBody(std::string_view body);

std::string joinPath(const std::string& path, const std::string& key);

Status requireObject(const Json& value, const std::string& path);

// Required fields.
Result<std::string> readString(const Json& obj, const std::string& key, const std::string& path);
Result<int64_t> readInt(const Json& obj, const std::string& key, const std::string& path,
                        int64_t min, int64_t max);
Result<bool> readBool(const Json& obj, const std::string& key, const std::string& path);

// Optional fields: the fallback when absent or null, an error when present with the wrong type.
Result<std::string> readString(const Json& obj, const std::string& key, const std::string& path,
                               const std::string& fallback);
Result<int64_t> readInt(const Json& obj, const std::string& key, const std::string& path,
                        int64_t min, int64_t max, int64_t fallback);
Result<bool> readBool(const Json& obj, const std::string& key, const std::string& path,
                      bool fallback);
Result<std::vector<std::string>> readStringList(const Json& obj, const std::string& key,
                                                const std::string& path);
// A {"key": "value"} map of labels, keys and values validated as labels.
Result<std::map<std::string, std::string>> readLabels(const Json& obj, const std::string& key,
                                                      const std::string& path);
// A nested object or array (absent: an empty one of that kind).
Result<Json> readObject(const Json& obj, const std::string& key, const std::string& path);
Result<Json> readArray(const Json& obj, const std::string& key, const std::string& path);

}  // namespace photon::common
