#include "common/daemon/config_file.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/json_depth.h"

namespace photon::common {

std::string describePosition(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  std::string_view before = text.substr(0, offset);
  size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  size_t line_start = before.rfind('\n');
  size_t column = line_start == std::string_view::npos ? offset + 1 : offset - line_start;
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::string describeConfigError(const Error& error) {
  if (error.field.empty() || error.field == "body" || error.field == "config") {
    return error.message;  // about the whole file, its message says where
  }
  return "key '" + error.field + "': " + error.message;
}

Result<Json> parseJsonConfig(std::string_view text, const std::string& source) {
  if (text.size() > kMaxConfigBytes) {
    return invalid("config",
                   source + " is larger than " + std::to_string(kMaxConfigBytes) + " bytes");
  }
  // Depth only here: the parser below says where a syntax error is.
  PHOTON_CHECK(checkJsonDepth(text, kDefaultMaxJsonDepth, /*malformed_is_error=*/false));
  try {
    Json parsed = Json::parse(text);
    if (!parsed.is_object()) return invalid("config", source + ": must be a JSON object");
    return parsed;
  } catch (const Json::parse_error& e) {
    // nlohmann's byte is one past the offending character (1-based).
    size_t at = e.byte > 0 ? static_cast<size_t>(e.byte) - 1 : 0;
    return invalid("config", source + ": malformed JSON at " + describePosition(text, at));
  } catch (const Json::exception& e) {
    // A number too large for a double (out_of_range 406) is not a parse_error (found by
    // fuzz_daemon_config): the daemon would have ended on an uncaught exception.
    return invalid("config", source + ": " + e.what());
  }
}

Result<Json> readJsonConfig(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "re"), &std::fclose);
  if (!file) return invalid("config", "cannot read " + path + ": " + std::strerror(errno));
  // One byte past the limit is enough to know the file is too large.
  std::string text(kMaxConfigBytes + 1, '\0');
  text.resize(std::fread(text.data(), 1, text.size(), file.get()));
  if (std::ferror(file.get())) return invalid("config", "cannot read " + path);
  return parseJsonConfig(text, path);
}

}  // namespace photon::common
