// Time comes through a Clock so that deadlines and TTLs are tested with a hand-driven one
// (tests/fakes/manual_clock.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace photon::common {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch (wall time: stored in documents and compared across restarts).
  virtual int64_t nowSeconds() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t nowSeconds() const override {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace photon::common
