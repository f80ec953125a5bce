// Which services are healthy, as the bgp domain asks it before announcing a VIP: set by the test
// (the units domain's health checks are tested on their own).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "agent/bgp/bgp_reconciler.h"  // ServiceHealth

namespace photon::test {

// Every service healthy.
class AllHealthy final : public agent::ServiceHealth {
 public:
  bool healthy(const std::string&) override { return true; }
};

// Unhealthy until set healthy; set from the test thread while the reconciler reads.
class SwitchableHealth final : public agent::ServiceHealth {
 public:
  bool healthy(const std::string& service) override {
    std::lock_guard lock(mutex_);
    auto it = healthy_.find(service);
    return it != healthy_.end() && it->second;
  }
  void set(const std::string& service, bool healthy) {
    std::lock_guard lock(mutex_);
    healthy_[service] = healthy;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, bool> healthy_;
};

}  // namespace photon::test
