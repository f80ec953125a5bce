// Unit locators for health-check tests. selfLocator: the test process stands in for every unit's
// main process, so an exec check starts in the test's own cgroup (tests without a systemd).
// viewOf: how a systemd booted in nspawn reads from the host (its pids and cgroups).
#pragma once

#include <unistd.h>

#include <memory>

#include "agent/units/unit_cgroup.h"
#include "agent/units/unit_locator.h"
#include "tests/support/nspawn_container.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

inline std::string ownCgroup() {
  auto path = agent::parseCgroup2Path(fileContents("/proc/self/cgroup"));
  return path ? *path : std::string();
}

class SelfLocator final : public agent::UnitLocator {
 public:
  common::Result<agent::UnitProcess> mainProcessOf(const std::string&) override {
    return agent::UnitProcess{::getpid(), ownCgroup()};
  }
  common::Result<agent::UnitProcess> leaderOf(const std::string& unit) override {
    return common::fail(common::ErrorCode::kUnavailable, unit + " runs no container here");
  }
};

inline std::shared_ptr<agent::UnitLocator> selfLocator() {
  return std::make_shared<SelfLocator>();
}

inline agent::ManagerView viewOf(const NspawnContainer& c) {
  return {.local_pid = [&c](pid_t p) { return c.hostPid(p); }, .cgroup_root = c.cgroupRoot()};
}

}  // namespace photon::test
