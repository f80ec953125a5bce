// What every fuzz target shares: the input as text, and the checks that a parser's result can
// be written back (the agent and the coordinator dump what they parsed: into state files, the
// store and their reports).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json_dump.h"

namespace photon::fuzz {

inline std::string_view asText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Dumps the way the programs do; a throw here is a finding (libFuzzer reports the uncaught
// exception as a crash).
inline void mustDump(const common::Json& value) {
  (void)common::dumpJson(value);
}

// A section of the desired document as a reconciler receives it: the document went through
// common::parseJsonBody (UTF-8 cleaned, depth-checked), and the section is one of its values.
inline std::optional<common::Json> parseSection(std::string_view text) {
  auto document = common::parseJsonBody("{\"section\":" + std::string(text) + "}");
  if (!document || !document->contains("section")) return std::nullopt;
  return (*document)["section"];
}

// The first byte picks a mode, the rest is the input.
inline uint8_t takeSelector(std::string_view& text) {
  if (text.empty()) return 0;
  auto selector = static_cast<uint8_t>(text.front());
  text.remove_prefix(1);
  return selector;
}

}  // namespace photon::fuzz
