// Exponential backoff with jitter for calls to the coordinator, so that a fleet that lost its
// coordinator does not come back in lockstep. Pure apart from its random source.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace photon::agent {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          uint64_t seed = std::random_device{}());

  // The next delay: initial * 2^failures capped at max, then drawn from [d/2, d].
  std::chrono::milliseconds next();
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  int failures_ = 0;
  std::mt19937_64 random_;
};

// `interval` moved by up to ±fraction of itself (poll intervals of a fleet spread out).
std::chrono::milliseconds jittered(std::chrono::milliseconds interval, double fraction,
                                   std::mt19937_64& random);

}  // namespace photon::agent
