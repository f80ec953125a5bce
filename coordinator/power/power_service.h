// The leader's power control: each control round it takes the operations queued in the store
// and hands them to the power manager's pool, and asks each BMC for its power state once per
// poll interval. tick() only queues work: the control thread never waits on a BMC.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/control/controller.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/power/power_manager.h"

namespace photon::coordinator::power {

struct PowerOptions {
  PowerManagerOptions manager;
  std::chrono::seconds poll_interval{60};  // 0: no polling
};

class PowerService final : public Controller {
 public:
  PowerService(Inventory& inventory, PowerOptions options,
               PowerManager::DriverFactory drivers = makeDriver);
  std::string name() const override { return "power"; }
  void tick() override;

  // Every target with a BMC: admins' records, and declared nodes (by node id once enrolled).
  [[nodiscard]] common::Result<std::vector<std::string>> targets();
  PowerManager& manager() { return *manager_; }

 private:
  common::Result<BmcAccess> accessFor(const std::string& target);
  void record(const PowerOutcome& outcome);
  void poll();

  Inventory& inventory_;
  PowerOptions options_;
  std::map<std::string, std::chrono::steady_clock::time_point> polled_;  // control thread only
  std::unique_ptr<PowerManager> manager_;  // last: its workers call back into this object
};

}  // namespace photon::coordinator::power
