#include "agent/vms/vm_plan.h"

#include <catch2/catch.hpp>

using namespace photon::agent;

namespace {

VmSpec spec() {
  VmSpec s;
  s.name = "web";
  s.memory_mib = 128;
  s.disks = {{"d1", "/img/d1.qcow2", "qcow2", 0}};
  s.nics = {{"n1", "52:54:00:00:00:01", "user", ""}};
  return s;
}

// A record of `s` booted and running with pid 100, devices on rp1, rp2.
VmRecord booted(const VmSpec& s) {
  VmRecord r;
  r.booted = s;
  r.pid = 100;
  r.running_expected = true;
  int port = 1;
  for (const auto& d : s.disks) {
    r.attached[d.id] = toJson(d);
    r.ports[d.id] = "rp" + std::to_string(port++);
  }
  for (const auto& n : s.nics) {
    r.attached[n.id] = toJson(n);
    r.ports[n.id] = "rp" + std::to_string(port++);
  }
  return r;
}

VmObservation running() {
  VmObservation o;
  o.alive = true;
  o.run_state = "running";
  o.devices = {"rp1", "rp2", "d1", "n1"};
  return o;
}

std::vector<VmActionKind> kinds(const std::vector<VmAction>& actions) {
  std::vector<VmActionKind> out;
  for (const auto& a : actions) out.push_back(a.kind);
  return out;
}

const PlanSettings kSettings{4, 30};

}  // namespace

TEST_CASE("vm plan: a new VM starts with every device on its own root port", "[vms]") {
  auto actions = planVm(spec(), VmRecord{}, VmObservation{}, 0, kSettings);
  REQUIRE(kinds(actions) == std::vector{VmActionKind::kStart});
  CHECK(actions[0].ports ==
        std::vector<std::pair<std::string, std::string>>{{"d1", "rp1"}, {"n1", "rp2"}});
  CHECK(planVm(spec(), booted(spec()), running(), 0, kSettings).empty());
}

TEST_CASE("vm plan: stop is a powerdown, then quit after the grace period", "[vms]") {
  VmSpec s = spec();
  s.state = VmState::kStopped;
  VmRecord r = booted(spec());
  CHECK(kinds(planVm(s, r, running(), 1000, kSettings)) == std::vector{VmActionKind::kPowerdown});
  r.powerdown_at = 1000;
  r.running_expected = false;
  CHECK(planVm(s, r, running(), 1029, kSettings).empty());
  CHECK(kinds(planVm(s, r, running(), 1030, kSettings)) == std::vector{VmActionKind::kQuit});
  VmObservation gone;
  gone.exited = true;
  CHECK(kinds(planVm(s, r, gone, 1031, kSettings)) == std::vector{VmActionKind::kExited});
  // Removed from the section and stopped: its state goes.
  VmRecord stopped;
  stopped.booted = spec();
  CHECK(kinds(planVm(std::nullopt, stopped, VmObservation{}, 0, kSettings)) ==
        std::vector{VmActionKind::kForget});
}

TEST_CASE("vm plan: an unplanned exit follows the restart policy", "[vms]") {
  VmSpec s = spec();
  VmRecord r = booted(s);
  VmObservation crashed;
  crashed.exited = true;
  VmObservation shutdown = crashed;
  shutdown.clean_exit = true;

  s.restart = RestartPolicy::kOnFailure;
  CHECK(kinds(planVm(s, r, crashed, 0, kSettings)) == std::vector{VmActionKind::kRestart});
  auto held = planVm(s, r, shutdown, 0, kSettings);
  REQUIRE(kinds(held) == std::vector{VmActionKind::kHoldDown});
  CHECK(held[0].reason == "shutdown");
  s.restart = RestartPolicy::kAlways;
  CHECK(kinds(planVm(s, r, shutdown, 0, kSettings)) == std::vector{VmActionKind::kRestart});
  s.restart = RestartPolicy::kNever;
  held = planVm(s, r, crashed, 0, kSettings);
  REQUIRE(kinds(held) == std::vector{VmActionKind::kHoldDown});
  CHECK(held[0].reason == "crashed");
  // Held down: nothing until the spec says stopped, which clears the hold.
  VmRecord down;
  down.booted = s;
  down.down_reason = "crashed";
  CHECK(planVm(s, down, VmObservation{}, 0, kSettings).empty());
  s.state = VmState::kStopped;
  CHECK(kinds(planVm(s, down, VmObservation{}, 0, kSettings)) ==
        std::vector{VmActionKind::kExited});
}

TEST_CASE("vm plan: pause, resume and reset", "[vms]") {
  VmSpec s = spec();
  s.state = VmState::kPaused;
  CHECK(kinds(planVm(s, booted(s), running(), 0, kSettings)) == std::vector{VmActionKind::kPause});
  s.state = VmState::kRunning;
  VmObservation paused = running();
  paused.run_state = "paused";
  CHECK(kinds(planVm(s, booted(s), paused, 0, kSettings)) == std::vector{VmActionKind::kResume});
  VmRecord r = booted(s);
  s.reset_generation = 1;
  CHECK(kinds(planVm(s, r, running(), 0, kSettings)) == std::vector{VmActionKind::kReset});
  r.reset_generation = 1;
  CHECK(planVm(s, r, running(), 0, kSettings).empty());
}

TEST_CASE("vm plan: hot-plug takes a free root port, none free is reported", "[vms]") {
  VmSpec s = spec();
  VmRecord r = booted(s);
  s.disks.push_back({"d2", "/img/d2.qcow2", "qcow2", 0});
  s.nics.push_back({"n2", "52:54:00:00:00:02", "user", ""});
  auto actions = planVm(s, r, running(), 0, kSettings);
  REQUIRE(kinds(actions) == std::vector{VmActionKind::kAddDisk, VmActionKind::kAddNic});
  CHECK(actions[0].port == "rp3");
  CHECK(actions[1].port == "rp4");
  s.disks.push_back({"d3", "/img/d3.qcow2", "qcow2", 0});
  actions = planVm(s, r, running(), 0, kSettings);
  REQUIRE(actions.size() == 3);
  int without_port = 0;
  for (const auto& a : actions) {
    if (a.port.empty()) {
      ++without_port;
      CHECK(a.reason == "no free root port");
    }
  }
  CHECK(without_port == 1);
}

TEST_CASE("vm plan: unplug stays pending until DEVICE_DELETED, its id is not reused meanwhile",
          "[vms]") {
  VmSpec s = spec();
  VmRecord r = booted(s);
  s.disks.clear();
  CHECK(kinds(planVm(s, r, running(), 0, kSettings)) == std::vector{VmActionKind::kUnplug});
  r.pending_unplug = {"d1"};
  // Still present, no event: nothing to do, and the same id asked back is not re-added.
  CHECK(planVm(s, r, running(), 0, kSettings).empty());
  CHECK(planVm(spec(), r, running(), 0, kSettings).empty());
  VmObservation deleted = running();
  deleted.deleted = {"d1"};
  auto actions = planVm(spec(), r, deleted, 0, kSettings);
  REQUIRE(kinds(actions) == std::vector{VmActionKind::kFinishUnplug});
  CHECK(actions[0].device == "d1");
  // A changed device is unplugged first and comes back with its new spec afterwards.
  VmSpec changed = spec();
  changed.disks[0].path = "/img/other.qcow2";
  CHECK(kinds(planVm(changed, booted(spec()), running(), 0, kSettings)) ==
        std::vector{VmActionKind::kUnplug});
}

TEST_CASE("vm plan: cpu and memory changes wait for the next boot", "[vms]") {
  VmSpec s = spec();
  VmRecord r = booted(s);
  s.cpus = 4;
  s.memory_mib = 1024;
  CHECK(planVm(s, r, running(), 0, kSettings).empty());
  CHECK(pendingRestartFields(s, *r.booted) == std::vector<std::string>{"cpus", "memory_mib"});
}
