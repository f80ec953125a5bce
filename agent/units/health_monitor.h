// Runs the instances' health checks on their own intervals and keeps each instance's rise/fall
// state, so that a slow check never holds up the agent's loop and other domains can ask
// `healthy()` at any time. A scheduler thread hands due checks to a small pool of workers
// (kCheckWorkers), one check per instance at a time: a check that runs to its timeout occupies
// one worker, and the other instances' checks still run on their intervals.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "agent/core/service_health.h"
#include "agent/units/health_probe.h"
#include "agent/units/health_tracker.h"
#include "agent/units/instance_spec.h"

namespace photon::agent {

enum class UnitPhase { kUp, kStarting, kDown };

struct HealthReport {
  HealthState state = HealthState::kStarting;
  std::string last_error;  // why the last check failed, empty when it passed
};

class HealthMonitor final : public ServiceHealth {
 public:
  static constexpr int kCheckWorkers = 4;

  explicit HealthMonitor(std::unique_ptr<HealthProbe> probe);
  ~HealthMonitor() override;
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  struct Target {
    InstanceSpec spec;
    UnitPhase phase = UnitPhase::kDown;
  };
  // The full set of instances to judge; others are forgotten. A new revision starts afresh.
  void update(const std::vector<Target>& targets);

  // True when an instance of `service` (its "service" field, or its name) here is healthy.
  bool healthy(const std::string& service) override;
  std::optional<HealthReport> report(const std::string& instance) const;

 private:
  using SteadyClock = std::chrono::steady_clock;
  struct Entry {
    HealthCheckSpec spec;
    std::string service;
    std::string revision;
    UnitPhase phase = UnitPhase::kDown;
    HealthTracker tracker{1, 1};
    SteadyClock::time_point next{};
    std::string last_error;
    bool in_flight = false;  // queued or running: never two checks of one instance at once
  };
  struct Due {
    std::string name;
    std::string revision;
    HealthCheckSpec spec;
  };
  static HealthState stateOf(const Entry& e);
  void schedule(std::stop_token stop);
  void work(std::stop_token stop);

  std::unique_ptr<HealthProbe> probe_;  // called from every worker at once
  mutable std::mutex mu_;
  std::condition_variable_any cv_;
  std::map<std::string, Entry> entries_;
  std::deque<Due> queue_;    // at most one per entry
  uint64_t generation_ = 0;  // bumped by update() and by finished checks to wake the scheduler
  // Last: stopped and joined before the members they use go.
  std::vector<std::jthread> threads_;
};

}  // namespace photon::agent
