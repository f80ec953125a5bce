// The leader's power control: each control round it takes the operations queued in the store
// and hands them to the power manager's pool, and asks each BMC for its power state once per
// poll interval. tick() only queues work: the control thread never waits on a BMC.
//
// Taken operations stay in the store until their outcome is stored, so a leader that dies with
// one in hand does not lose it: the next leader starts it once the old one can no longer be
// running it (its deadline after the takeover). A coordinator that stops leading starts nothing
// more (its control thread stops ticking; after kLeadershipLapse its queued jobs are dropped,
// left to the next leader). A BMC whose polls fail is polled less and less often (up to 16×
// the interval), so dead BMCs cost the pool little.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "coordinator/control/controller.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/power/power_manager.h"

namespace photon::coordinator::power {

struct PowerOptions {
  PowerManagerOptions manager;
  std::chrono::seconds poll_interval{60};  // 0: no polling
};

// Without a control round for this long, a coordinator is taken to have stopped leading.
inline constexpr std::chrono::seconds kLeadershipLapse{3};

class PowerService final : public Controller {
 public:
  PowerService(Inventory& inventory, Store& store, PowerOptions options,
               PowerManager::DriverFactory drivers = makeDriver);
  std::string name() const override { return "power"; }
  void tick() override;

  // Every target with a BMC: admins' records, and declared nodes (by node id once enrolled).
  [[nodiscard]] common::Result<std::vector<std::string>> targets();
  PowerManager& manager() { return *manager_; }

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  common::Result<BmcAccess> accessFor(const std::string& target);
  void record(const PowerOutcome& outcome);
  bool mayStart(const PowerJob& job);
  bool submit(PowerJob job);
  void takeQueued();
  // Starts the operations a previous leader took and never finished.
  void resumeOrphans(SteadyTime now);
  void poll();

  Inventory& inventory_;
  Store& store_;
  // The targets poll() last listed, and when (control thread only): listing reads every node,
  // which at 10,000 nodes costs more than a control round may, so it is done a few times per
  // poll interval, not every round.
  std::vector<std::string> targets_;
  SteadyTime targets_listed_{};
  PowerOptions options_;
  // Control thread only: when each target was last polled, and when this leadership began.
  std::map<std::string, SteadyTime> polled_;
  SteadyTime leading_since_{};
  common::Mutex mutex_;  // guards what workers and the control thread share, below
  SteadyTime last_tick_ GUARDED_BY(mutex_){};
  // ids of operations submitted and not finished
  std::set<std::string> in_hand_ GUARDED_BY(mutex_);
  // consecutive failed polls by target
  std::map<std::string, int> poll_failures_ GUARDED_BY(mutex_);
  std::unique_ptr<PowerManager> manager_;  // last: its workers call back into this object
};

}  // namespace photon::coordinator::power
