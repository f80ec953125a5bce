// A Clock the test drives by hand: deadlines, TTLs and grace periods pass when the test says.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/clock.h"

namespace photon::test {

class ManualClock final : public common::Clock {
 public:
  explicit ManualClock(int64_t start = 1'800'000'000) : now_(start) {}
  int64_t nowSeconds() const override { return now_.load(); }
  void advance(int64_t seconds) { now_ += seconds; }
  void set(int64_t seconds) { now_ = seconds; }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace photon::test
