#include "agent/core/backoff.h"

#include <algorithm>

namespace photon::agent {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      random_(seed) {}

std::chrono::milliseconds Backoff::next() {
  int64_t delay = initial_.count();
  for (int i = 0; i < failures_ && delay < max_.count(); ++i) delay *= 2;
  delay = std::min(delay, static_cast<int64_t>(max_.count()));
  if (failures_ < 62) ++failures_;
  std::uniform_int_distribution<int64_t> pick(delay / 2, delay);
  return std::chrono::milliseconds(pick(random_));
}

std::chrono::milliseconds jittered(std::chrono::milliseconds interval, double fraction,
                                   std::mt19937_64& random) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  std::uniform_real_distribution<double> pick(1.0 - fraction, 1.0 + fraction);
  return std::chrono::milliseconds(static_cast<int64_t>(interval.count() * pick(random)));
}

}  // namespace photon::agent
