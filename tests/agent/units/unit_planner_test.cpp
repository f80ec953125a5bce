#include "agent/units/unit_planner.h"

#include <catch2/catch.hpp>

#include "agent/units/unit_render.h"

using namespace photon::agent;

namespace {
InstanceSpec spec(const std::string& name, const std::string& revision,
                  UnitRestart restart = UnitRestart::kAlways) {
  InstanceSpec s;
  s.name = name;
  s.exec = {"/bin/sleep", "100"};
  s.revision = revision;
  s.restart = restart;
  return s;
}
UnitState unit(const std::string& name, const std::string& revision,
               const std::string& active = "active") {
  UnitState u;
  u.name = unitNameFor(name);
  u.description = unitDescription(name, revision);
  u.load_state = "loaded";
  u.active_state = active;
  u.main_pid = 42;
  return u;
}
std::vector<std::string> describe(const std::vector<UnitAction>& plan) {
  std::vector<std::string> out;
  for (const auto& a : plan) out.push_back(toString(a.kind) + " " + a.unit);
  return out;
}
}  // namespace

TEST_CASE("units plan: a running unit of the desired revision is adopted, not touched", "[units]") {
  CHECK(planUnits({spec("a", "1")}, {}, {unit("a", "1")}).empty());
}

TEST_CASE("units plan: new, changed, removed and stray units", "[units]") {
  auto plan = planUnits(
      {spec("new", "1"), spec("changed", "2"), spec("same", "1")}, {},
      {unit("changed", "1"), unit("same", "1"), unit("removed", "4"), unit("stray", "x")});
  CHECK(describe(plan) ==
        std::vector<std::string>{"stop photon-removed.service", "stop photon-stray.service",
                                 "start photon-new.service", "replace photon-changed.service"});
  CHECK(plan[3].spec.revision == "2");
}

TEST_CASE("units plan: a held (refused) instance keeps what runs", "[units]") {
  CHECK(planUnits({}, {"a"}, {unit("a", "1")}).empty());
}

TEST_CASE("units plan: a failed unit is restarted unless it runs once", "[units]") {
  CHECK(describe(planUnits({spec("a", "1")}, {}, {unit("a", "1", "failed")})) ==
        std::vector<std::string>{"replace photon-a.service"});
  CHECK(planUnits({spec("a", "1", UnitRestart::kNo)}, {}, {unit("a", "1", "failed")}).empty());
  // systemd is restarting it itself (activating/auto-restart): leave it to systemd.
  CHECK(planUnits({spec("a", "1")}, {}, {unit("a", "1", "activating")}).empty());
}

TEST_CASE("units plan: units that are not ours, or not loaded, are ignored", "[units]") {
  UnitState other;
  other.name = "sshd.service";
  other.load_state = "loaded";
  auto gone = unit("x", "1");
  gone.load_state = "not-found";
  CHECK(planUnits({}, {}, {other, gone}).empty());
}

TEST_CASE("units plan: photon-* units this domain did not start are never stopped", "[units]") {
  // The agent's own unit on a NixOS node (nix/modules/photon-agent.nix), and the coordinator's.
  UnitState agent;
  agent.name = "photon-agent.service";
  agent.description = "Photon node agent";
  agent.load_state = "loaded";
  agent.active_state = "active";
  auto coordinator = agent;
  coordinator.name = "photon-coordinator.service";
  coordinator.description = "";
  CHECK(describe(planUnits({spec("web", "1")}, {}, {agent, coordinator})) ==
        std::vector<std::string>{"start photon-web.service"});
  CHECK(describe(planUnits({}, {}, {agent, coordinator, unit("stray", "x")})) ==
        std::vector<std::string>{"stop photon-stray.service"});
}

TEST_CASE("units plan: a unit without our revision marker is replaced", "[units]") {
  auto u = unit("a", "1");
  u.description = "hand-made";
  CHECK(describe(planUnits({spec("a", "1")}, {}, {u})) ==
        std::vector<std::string>{"replace photon-a.service"});
}
