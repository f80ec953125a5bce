// One name table per enum that crosses the wire (systemd's string-table pattern): the enum's
// header specialises EnumNames<E> with its {value, wire name} pairs, and these templates turn a
// value into its name and a name back into a value. A name the table does not hold is an error
// that names the field, never a silent default.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

// Specialised next to each enum: static constexpr std::array<std::pair<E, std::string_view>, N>
// kNames.
template <typename E>
struct EnumNames;

template <typename E>
constexpr std::string_view enumName(E value) {
  for (const auto& [v, name] : EnumNames<E>::kNames) {
    if (v == value) return name;
  }
  return "unknown";
}

template <typename E>
constexpr std::optional<E> parseEnum(std::string_view text) {
  for (const auto& [v, name] : EnumNames<E>::kNames) {
    if (name == text) return v;
  }
  return std::nullopt;
}

// "one of 'a', 'b', 'c'": what an error says was expected.
template <typename E>
std::string enumChoices() {
  std::string out = "one of";
  const char* sep = " '";
  for (const auto& entry : EnumNames<E>::kNames) {
    out += sep;
    out += entry.second;
    out += "'";
    sep = ", '";
  }
  return out;
}

// A required enum field: absent, not a string or not a name of the table is kInvalid naming
// path.key.
template <typename E>
Result<E> readEnum(const Json& obj, const std::string& key, const std::string& path) {
  PHOTON_TRY(std::string text, readString(obj, key, path));
  auto value = parseEnum<E>(text);
  if (!value) {
    return invalid(joinPath(path, key), "unknown value '" + text + "' (" + enumChoices<E>() + ")");
  }
  return *value;
}

// An optional enum field: the fallback when absent or null.
template <typename E>
Result<E> readEnum(const Json& obj, const std::string& key, const std::string& path, E fallback) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return fallback;
  return readEnum<E>(obj, key, path);
}

}  // namespace photon::common
