#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "common/text.h"

namespace photon::common {
namespace {
std::atomic<int> g_max_level{static_cast<int>(LogLevel::kInfo)};
}

void setLogLevel(LogLevel max_level) {
  g_max_level = static_cast<int>(max_level);
}

bool setLogLevel(std::string_view name) {
  static constexpr std::pair<std::string_view, LogLevel> kNames[] = {
      {"error", LogLevel::kError},
      {"warning", LogLevel::kWarning},
      {"notice", LogLevel::kNotice},
      {"info", LogLevel::kInfo},
      {"debug", LogLevel::kDebug}};
  for (const auto& [n, level] : kNames) {
    if (n == name) {
      setLogLevel(level);
      return true;
    }
  }
  return false;
}

bool logEnabled(LogLevel level) {
  return static_cast<int>(level) <= g_max_level.load();
}

void logLine(LogLevel level, std::string_view message) {
  if (!logEnabled(level)) return;
  // One write(2) per line so that lines from threads never interleave.
  std::string line = "<" + std::to_string(static_cast<int>(level)) + ">";
  // Messages carry what machines sent (hostnames, errors, facts): a newline in them would start
  // a line of its own, with a priority prefix ("<0>") of the sender's choosing.
  line.append(escapeControls(message));
  line.push_back('\n');
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace photon::common
