#include "agent/units/health_monitor.h"

#include <set>

namespace photon::agent {

HealthMonitor::HealthMonitor(std::unique_ptr<HealthProbe> probe)
    : probe_(std::move(probe)), thread_([this](std::stop_token stop) { run(stop); }) {}

HealthMonitor::~HealthMonitor() {
  thread_.request_stop();
  cv_.notify_all();
}

void HealthMonitor::update(const std::vector<Target>& targets) {
  std::lock_guard lock(mu_);
  std::set<std::string> seen;
  for (const auto& t : targets) {
    seen.insert(t.spec.name);
    auto [it, fresh] = entries_.try_emplace(t.spec.name);
    Entry& e = it->second;
    if (fresh || e.revision != t.spec.revision) {
      e.spec = t.spec.health;
      e.revision = t.spec.revision;
      e.tracker = HealthTracker(e.spec.rise, e.spec.fall);
      e.next = SteadyClock::now();
      e.last_error.clear();
    }
    // A unit that went down or is (re)starting is judged afresh once it is up again.
    if (t.phase != UnitPhase::kUp && e.phase == UnitPhase::kUp) e.tracker.reset();
    if (t.phase == UnitPhase::kUp && e.phase != UnitPhase::kUp) e.next = SteadyClock::now();
    e.service = t.spec.service.empty() ? t.spec.name : t.spec.service;
    e.phase = t.phase;
  }
  std::erase_if(entries_, [&](const auto& kv) { return !seen.contains(kv.first); });
  ++generation_;
  cv_.notify_all();
}

HealthState HealthMonitor::stateOf(const Entry& e) {
  switch (e.phase) {
    case UnitPhase::kDown: return HealthState::kUnhealthy;
    case UnitPhase::kStarting: return HealthState::kStarting;
    case UnitPhase::kUp: break;
  }
  if (e.spec.kind == HealthKind::kNone) return HealthState::kHealthy;
  return e.tracker.state();
}

bool HealthMonitor::healthy(const std::string& service) {
  std::lock_guard lock(mu_);
  for (const auto& [name, e] : entries_) {
    if ((name == service || e.service == service) && stateOf(e) == HealthState::kHealthy) return true;
  }
  return false;
}

std::optional<HealthReport> HealthMonitor::report(const std::string& instance) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(instance);
  if (it == entries_.end()) return std::nullopt;
  return HealthReport{stateOf(it->second), it->second.last_error};
}

void HealthMonitor::run(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    auto now = SteadyClock::now();
    auto wake = now + std::chrono::seconds(1);
    struct Due {
      std::string name;
      std::string revision;
      HealthCheckSpec spec;
    };
    std::vector<Due> due;
    for (auto& [name, e] : entries_) {
      if (e.phase != UnitPhase::kUp || e.spec.kind == HealthKind::kNone) continue;
      if (e.next <= now) {
        due.push_back({name, e.revision, e.spec});
        e.next = now + std::chrono::seconds(e.spec.interval_s);
      }
      wake = std::min(wake, e.next);
    }
    if (!due.empty()) {
      // Checks run without the lock: healthy() and update() never wait for a slow check.
      lock.unlock();
      std::vector<common::Status> results;
      results.reserve(due.size());
      for (const auto& d : due) {
        results.push_back(stop.stop_requested() ? common::Status{} : probe_->check(d.spec));
      }
      lock.lock();
      for (size_t i = 0; i < due.size(); ++i) {
        auto it = entries_.find(due[i].name);
        if (it == entries_.end() || it->second.revision != due[i].revision ||
            it->second.phase != UnitPhase::kUp) {
          continue;  // replaced or gone while the check ran
        }
        it->second.tracker.record(results[i].has_value());
        it->second.last_error = results[i] ? "" : results[i].error().message;
      }
      continue;
    }
    auto generation = generation_;
    cv_.wait_until(lock, stop, wake, [&] { return generation_ != generation; });
  }
}

}  // namespace photon::agent
