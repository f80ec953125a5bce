// Logging to stderr with syslog priority prefixes ("<3>"), which journald reads as the level.
// Only a program's top level logs; library code returns errors instead.
#pragma once

#include <string>
#include <string_view>

namespace photon::common {

enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

void setLogLevel(LogLevel max_level);
// "error", "warning", "notice", "info", "debug"; false when the name is unknown.
bool setLogLevel(std::string_view name);
bool logEnabled(LogLevel level);
void logLine(LogLevel level, std::string_view message);

inline void logError(std::string_view m) {
  logLine(LogLevel::kError, m);
}
inline void logWarning(std::string_view m) {
  logLine(LogLevel::kWarning, m);
}
inline void logNotice(std::string_view m) {
  logLine(LogLevel::kNotice, m);
}
inline void logInfo(std::string_view m) {
  logLine(LogLevel::kInfo, m);
}
inline void logDebug(std::string_view m) {
  if (logEnabled(LogLevel::kDebug)) logLine(LogLevel::kDebug, m);
}

}  // namespace photon::common
