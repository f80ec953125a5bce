// Rise/fall hysteresis for one instance's health checks, as HAProxy and keepalived do it:
// `rise` consecutive passes make it healthy, `fall` consecutive failures unhealthy. Pure.
#pragma once

#include <string>

namespace photon::agent {

enum class HealthState { kStarting, kHealthy, kUnhealthy };

std::string toString(HealthState state);

class HealthTracker {
 public:
  HealthTracker(int rise, int fall) : rise_(rise < 1 ? 1 : rise), fall_(fall < 1 ? 1 : fall) {}

  HealthState record(bool passed) {
    if (passed) {
      failures_ = 0;
      if (++passes_ >= rise_) state_ = HealthState::kHealthy;
    } else {
      passes_ = 0;
      if (++failures_ >= fall_) state_ = HealthState::kUnhealthy;
    }
    return state_;
  }
  // The unit went down or was replaced: judge it afresh.
  void reset() {
    state_ = HealthState::kStarting;
    passes_ = failures_ = 0;
  }
  HealthState state() const { return state_; }

 private:
  int rise_;
  int fall_;
  int passes_ = 0;
  int failures_ = 0;
  HealthState state_ = HealthState::kStarting;
};

inline std::string toString(HealthState state) {
  switch (state) {
    case HealthState::kStarting:
      return "starting";
    case HealthState::kHealthy:
      return "healthy";
    case HealthState::kUnhealthy:
      return "unhealthy";
  }
  return "starting";
}

}  // namespace photon::agent
