#include "agent/units/health_monitor.h"

#include <set>

namespace photon::agent {

HealthMonitor::HealthMonitor(std::unique_ptr<HealthProbe> probe) : probe_(std::move(probe)) {
  threads_.emplace_back([this](std::stop_token stop) { schedule(stop); });
  for (int i = 0; i < kCheckWorkers; ++i) {
    threads_.emplace_back([this](std::stop_token stop) { work(stop); });
  }
}

HealthMonitor::~HealthMonitor() {
  for (auto& t : threads_) t.request_stop();
  cv_.notify_all();
  threads_.clear();  // joins; a worker in a check returns by that check's timeout
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
    case UnitPhase::kDown:
      return HealthState::kUnhealthy;
    case UnitPhase::kStarting:
      return HealthState::kStarting;
    case UnitPhase::kUp:
      break;
  }
  if (e.spec.kind == HealthKind::kNone) return HealthState::kHealthy;
  return e.tracker.state();
}

bool HealthMonitor::healthy(const std::string& service) {
  std::lock_guard lock(mu_);
  for (const auto& [name, e] : entries_) {
    if ((name == service || e.service == service) && stateOf(e) == HealthState::kHealthy)
      return true;
  }
  return false;
}

std::optional<HealthReport> HealthMonitor::report(const std::string& instance) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(instance);
  if (it == entries_.end()) return std::nullopt;
  return HealthReport{stateOf(it->second), it->second.last_error};
}

void HealthMonitor::schedule(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    auto now = SteadyClock::now();
    auto wake = now + std::chrono::seconds(1);
    bool queued = false;
    for (auto& [name, e] : entries_) {
      if (e.phase != UnitPhase::kUp || e.spec.kind == HealthKind::kNone || e.in_flight) continue;
      if (e.next <= now) {
        queue_.push_back({name, e.revision, e.spec});
        e.in_flight = true;
        e.next = now + std::chrono::seconds(e.spec.interval_s);
        queued = true;
      }
      wake = std::min(wake, e.next);
    }
    if (queued) cv_.notify_all();
    auto generation = generation_;
    cv_.wait_until(lock, stop, wake, [&] { return generation_ != generation; });
  }
}

void HealthMonitor::work(std::stop_token stop) {
  std::unique_lock lock(mu_);
  while (!stop.stop_requested()) {
    if (!cv_.wait(lock, stop, [&] { return !queue_.empty(); })) break;
    Due due = std::move(queue_.front());
    queue_.pop_front();
    // The check runs without the lock: healthy(), update() and the other workers never wait
    // for a slow check.
    lock.unlock();
    common::Status result = probe_->check(due.spec);
    lock.lock();
    auto it = entries_.find(due.name);
    if (it == entries_.end()) continue;  // gone while the check ran
    Entry& e = it->second;
    e.in_flight = false;
    ++generation_;
    cv_.notify_all();
    if (e.revision != due.revision || e.phase != UnitPhase::kUp) continue;  // replaced meanwhile
    e.tracker.record(result.has_value());
    e.last_error = result ? "" : result.error().message;
  }
}

}  // namespace photon::agent
