// The "since" of a BGP protocol, as BIRD's `show protocols` prints it, compared for "the same
// session" in tests.
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

namespace photon::test {

// BIRD keeps a protocol's last state change on its monotonic clock and turns it into wall time
// at each `show protocols`, so the same "since" can read a millisecond apart between two calls.
// A restarted session starts anew seconds later (connect delay time 1), so "the same session"
// is two stamps within 100 ms.
inline std::optional<std::chrono::milliseconds> sinceMs(const std::string& since) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(since.c_str(), "%d-%d-%d %d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::seconds(timegm(&tm)) + std::chrono::milliseconds(ms);
}
inline bool sameSession(const std::string& a, const std::string& b) {
  auto x = sinceMs(a);
  auto y = sinceMs(b);
  if (!x || !y) return a == b;
  return std::chrono::abs(*x - *y) <= std::chrono::milliseconds(100);
}

}  // namespace photon::test
