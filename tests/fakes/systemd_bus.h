// An in-memory systemd bus (SystemdBus) for unit tests of what drives units: started units are
// "active/running" with a made-up MainPID; every call is recorded so that tests can assert what was
// done, in order.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/units/systemd_bus.h"

namespace photon::agent::test {

class FakeSystemdBus final : public SystemdBus {
 public:
  struct Shared {
    std::map<std::string, UnitState> units;
    std::map<std::string, TransientUnit> started_with;
    std::vector<std::string> calls;  // "start photon-a.service", "stop photon-b.service"
    std::set<std::string> fail_start;
    uint32_t next_pid = 100;
  };
  explicit FakeSystemdBus(Shared& shared) : s_(shared) {}

  common::Status startTransientUnit(const TransientUnit& unit) override {
    s_.calls.push_back("start " + unit.name);
    if (s_.units.contains(unit.name))
      return common::fail(common::ErrorCode::kConflict, "Unit " + unit.name + " already exists");
    if (s_.fail_start.contains(unit.name))
      return common::fail(common::ErrorCode::kUnavailable, "job ended failed");
    UnitState st;
    st.name = unit.name;
    st.description = unit.description;
    st.load_state = "loaded";
    st.active_state = "active";
    st.sub_state = "running";
    st.main_pid = s_.next_pid++;
    st.memory_max = unit.memory_max;
    st.cpu_quota_per_sec_usec = unit.cpu_quota_per_sec_usec;
    s_.units[unit.name] = st;
    s_.started_with[unit.name] = unit;
    return {};
  }
  common::Status stopUnit(const std::string& name) override {
    s_.calls.push_back("stop " + name);
    s_.units.erase(name);
    return {};
  }
  common::Result<UnitState> unitState(const std::string& name) override {
    if (auto it = s_.units.find(name); it != s_.units.end()) return it->second;
    UnitState st;
    st.name = name;
    st.load_state = "not-found";
    st.active_state = "inactive";
    return st;
  }
  common::Result<std::vector<UnitState>> listUnits(const std::string& prefix) override {
    std::vector<UnitState> out;
    for (const auto& [name, st] : s_.units) {
      if (name.starts_with(prefix)) out.push_back(st);
    }
    return out;
  }
  common::Result<bool> waitForChange(std::chrono::milliseconds) override { return false; }

 private:
  Shared& s_;
};

}  // namespace photon::agent::test
