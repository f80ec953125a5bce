// switch-to-configuration in a transient unit of its own, against a real systemd booted in
// systemd-nspawn (the agent's side runs here and reaches that systemd over its bus, as it does
// the node's). The test's Nix world is bind-mounted into the container at the same path, so the
// unit runs the same switch-to-configuration scripts the host-side tests run as children.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "agent/nixos/switch_runner.h"
#include "agent/units/sd_systemd_bus.h"
#include "tests/agent/nixos/child_agent.h"
#include "tests/support/nspawn_container.h"

using namespace photon::agent;
using photon::common::Json;
using photon::test::ChildAgent;
using photon::test::journalPhase;
using photon::test::NixWorld;
using photon::test::NspawnContainer;
using photon::test::reconcileUntilSettled;
using photon::test::waitFor;
using namespace std::chrono_literals;

namespace {

struct SwitchWorld {
  NixWorld w;
  NspawnContainer container{
      {.rootfs = photon::test::ensureNspawnRootfs(PHOTON_SOURCE_DIR, PHOTON_BUILD_DIR),
       .name = "photon-switch",
       .extra_args = {"--bind=" + w.dir()}}};
  std::unique_ptr<SystemdBus> bus = [this] {
    auto b = connectSystemdBus(container.busAddress());
    if (!b) throw std::runtime_error(b.error().message);
    return std::move(*b);
  }();

  NixosOptions options() const {
    auto o = w.options();
    o.switch_bus = container.busAddress();
    return o;
  }
  // The activation units (switch and rollback) loaded in the container's systemd.
  std::vector<UnitState> switchUnits() {
    std::vector<UnitState> out;
    for (auto prefix : {"photon-switch-", "photon-rollback-"}) {
      auto units = bus->listUnits(prefix);
      REQUIRE(units);
      out.insert(out.end(), units->begin(), units->end());
    }
    return out;
  }
  // The units' output files left in the state dir.
  int logFiles() const {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(w.stateDir())) {
      n += e.path().extension() == ".log";
    }
    return n;
  }
  // Applies `good` through a unit, so that a rollback has somewhere to go.
  void applyGood() {
    auto rec = makeNixosReconciler(options(), w.stateDir());
    auto out = reconcileUntilSettled(*rec, w.desired("good"));
    INFO(out.dump());
    REQUIRE(out["outcome"] == "applied");
  }
  bool lastCallIs(const std::string& name, const std::string& mode = "switch") {
    auto c = w.calls();
    return !c.empty() && c.back() == w.path(name) + " " + mode;
  }
};

long countOf(const std::vector<std::string>& lines, const std::string& line) {
  return std::count(lines.begin(), lines.end(), line);
}

}  // namespace

TEST_CASE("nixos: switch-to-configuration runs in its own unit, which the agent removes once done",
          "[nixos][sandbox][integration]") {
  SwitchWorld s;
  s.applyGood();
  CHECK(s.w.currentSystem() == s.w.path("good"));
  // The outcome is recorded, so the unit that kept it is gone, and its log with it.
  CHECK(s.switchUnits().empty());
  CHECK(s.logFiles() == 0);

  // A failing switch: its output reaches the reason through the unit's log file.
  auto rec = makeNixosReconciler(s.options(), s.w.stateDir());
  auto out = reconcileUntilSettled(*rec, s.w.desired("fail"));
  INFO(out.dump());
  CHECK(out["outcome"] == "rolled-back");
  CHECK_THAT(out["reason"].get<std::string>(),
             Catch::Contains("exit code 1") && Catch::Contains("activation script failed"));
  CHECK(s.w.currentSystem() == s.w.path("good"));
  CHECK(s.switchUnits().empty());
  CHECK(s.logFiles() == 0);
}

TEST_CASE("nixos: an activation goes on when the agent is killed, and the next agent adopts it",
          "[nixos][sandbox][integration]") {
  SwitchWorld s;
  s.applyGood();
  auto desired = s.w.desired("slow", 60);
  {
    ChildAgent child(s.w, desired, s.options());
    REQUIRE(waitFor([&] { return s.lastCallIs("slow"); }));
    child.kill();
  }
  REQUIRE(journalPhase(s.w) == "switching");
  // switch-to-configuration is the unit's process, not the dead agent's child: it still runs.
  auto units = s.switchUnits();
  REQUIRE(units.size() == 1);
  CHECK(units[0].active_state == "active");
  CHECK(units[0].sub_state == "running");
  CHECK(units[0].main_pid != 0);
  std::ofstream(s.w.file("root/run/release")) << "go";
  REQUIRE(waitFor([&] { return s.w.currentSystem() == s.w.path("slow"); }));

  auto started = std::chrono::steady_clock::now();
  auto rec = makeNixosReconciler(s.options(), s.w.stateDir());
  auto out = reconcileUntilSettled(*rec, desired);
  auto adopt_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  INFO(out.dump());
  CHECK(out["outcome"] == "applied");
  CHECK(s.w.profileSystem() == s.w.path("slow"));
  CHECK(s.w.currentSystem() == s.w.path("slow"));
  // Ran once, and nothing was rolled back: the restart took the unit's outcome.
  auto calls = s.w.calls();
  CHECK(countOf(calls, s.w.path("slow") + " switch") == 1);
  CHECK(calls.back() == s.w.path("slow") + " switch");
  CHECK_FALSE(std::filesystem::exists(s.w.stateDir() + "/nixos-journal.json"));
  CHECK(s.switchUnits().empty());
  WARN("restarted agent: adopted the finished switch and confirmed in " << adopt_ms << " ms");
}

TEST_CASE(
    "nixos: agent shutdown leaves a running switch unit to the next agent and returns promptly",
    "[nixos][sandbox][integration]") {
  SwitchWorld s;
  s.applyGood();
  auto desired = s.w.desired("slow", 60);
  auto shutdown_ms = photon::test::shutdownMsDuringSwitch(s.w, s.options(), desired,
                                                          [&] { return s.lastCallIs("slow"); });
  REQUIRE(shutdown_ms >= 0);
  // It waits at most one poll of the unit (1 s), not for the switch (60 s deadline).
  CHECK(shutdown_ms < 3000);
  WARN("agent shutdown during a running switch took " << shutdown_ms << " ms");
  REQUIRE(journalPhase(s.w) == "switching");
  auto units = s.switchUnits();
  REQUIRE(units.size() == 1);
  CHECK(units[0].sub_state == "running");

  std::ofstream(s.w.file("root/run/release")) << "go";
  auto rec = makeNixosReconciler(s.options(), s.w.stateDir());
  auto out = reconcileUntilSettled(*rec, desired);
  INFO(out.dump());
  CHECK(out["outcome"] == "applied");
  CHECK(countOf(s.w.calls(), s.w.path("slow") + " switch") == 1);
  CHECK(s.switchUnits().empty());
}

TEST_CASE("nixos: systemd kills switch-to-configuration at its deadline while no agent runs",
          "[nixos][sandbox][integration]") {
  SwitchWorld s;
  s.applyGood();
  auto desired = s.w.desired("hang", 3);
  auto started = std::chrono::steady_clock::now();
  {
    ChildAgent child(s.w, desired, s.options());
    REQUIRE(waitFor([&] { return s.lastCallIs("hang"); }));
    child.kill();
  }
  REQUIRE(journalPhase(s.w) == "switching");
  // No agent: systemd ends the unit at its RuntimeMaxSec (the confirm deadline).
  UnitState ended;
  REQUIRE(waitFor(
      [&] {
        auto units = s.switchUnits();
        if (units.size() != 1 || units[0].active_state != "failed") return false;
        ended = units[0];
        return true;
      },
      30s));
  auto killed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count();
  CHECK(ended.result == "timeout");
  CHECK(killed_ms < 3000 + 10000);
  WARN("hanging switch with a 3 s deadline: failed (timeout) " << killed_ms
                                                               << " ms after the activation began");

  auto rec = makeNixosReconciler(s.options(), s.w.stateDir());
  auto out = reconcileUntilSettled(*rec, desired);
  INFO(out.dump());
  CHECK(out["outcome"] == "rolled-back");
  CHECK_THAT(out["reason"].get<std::string>(), Catch::Contains("did not finish within"));
  CHECK(s.w.profileSystem() == s.w.path("good"));
  CHECK(s.w.currentSystem() == s.w.path("good"));
  CHECK(s.switchUnits().empty());
}

TEST_CASE("nixos: a switch unit that ended is read as its exit, its signal or its timeout",
          "[nixos][sandbox]") {
  UnitState s;
  s.active_state = "active";
  s.sub_state = "running";
  CHECK_FALSE(switchUnitResult(s));
  s.sub_state = "exited";
  s.result = "success";
  REQUIRE(switchUnitResult(s));
  CHECK(switchUnitResult(s)->ok());
  s.active_state = "failed";
  s.sub_state = "failed";
  s.result = "exit-code";
  s.exec_main_code = 1;
  s.exec_main_status = 4;
  CHECK(switchUnitResult(s)->exit_code == 4);
  s.result = "signal";
  s.exec_main_code = 2;
  s.exec_main_status = 9;
  CHECK(switchUnitResult(s)->signal == 9);
  s.result = "timeout";
  s.exec_main_status = 15;
  CHECK(switchUnitResult(s)->timed_out);
  // Failed without ever running (resources): never success.
  s.result = "resources";
  s.exec_main_code = 0;
  s.exec_main_status = 0;
  CHECK_FALSE(switchUnitResult(s)->ok());

  auto unit = switchUnit("switch-7", {"/nix/store/x/bin/switch-to-configuration", "switch"},
                         std::chrono::seconds(30), "/var/lib/photon-agent/switch-7.log", {});
  CHECK(unit.name == "photon-switch-7.service");
  CHECK(unit.remain_after_exit);
  CHECK(unit.restart == "no");
  CHECK(unit.runtime_max_usec == 30'000'000u);
  CHECK(unit.environment.empty());
}

TEST_CASE("nixos: the switch unit gets the environment nixos-rebuild gives switch-to-configuration",
          "[nixos][sandbox]") {
  const char* archive = "/nix/store/x-glibc-locales/lib/locale/locale-archive";
  // The agent's LOCALE_ARCHIVE (a unit does not inherit it) and the boot loader install asked
  // for by the desired system.
  auto env = switchUnitEnvironment(switchEnvironment(true), archive);
  CHECK(env == std::vector<std::string>{"NIXOS_INSTALL_BOOTLOADER=1",
                                        std::string("LOCALE_ARCHIVE=") + archive});
  auto unit = switchUnit("switch-7", {"/nix/store/x/bin/switch-to-configuration", "boot"},
                         std::chrono::seconds(30), "/var/lib/photon-agent/switch-7.log", env);
  CHECK(unit.environment == env);
  // Neither asked for nor set: nothing.
  CHECK(switchUnitEnvironment(switchEnvironment(false), nullptr).empty());
  CHECK(switchUnitEnvironment({}, "").empty());
  CHECK(switchEnvironment(false).empty());
}

TEST_CASE("nixos: a switch bus that answers only after the agent started is used from then on",
          "[nixos][sandbox][integration]") {
  SwitchWorld s;
  // The agent starts while its bus is not there yet (dbus not up): a link made later.
  auto late = s.w.file("late-bus.sock");
  auto options = s.options();
  options.switch_bus = "unix:path=" + late;
  auto rec = makeNixosReconciler(options, s.w.stateDir());
  auto out = rec->reconcile(s.w.desired("good"));
  INFO(out.dump());
  CHECK(out["outcome"] == "failed");
  CHECK_THAT(out["reason"].get<std::string>(), Catch::Contains("no systemd answers on bus"));
  CHECK(s.w.calls().empty());

  // The same agent, without a restart, switches once the bus answers.
  std::filesystem::create_symlink(s.container.root() + "/run/dbus/system_bus_socket", late);
  out = reconcileUntilSettled(*rec, s.w.desired("good"));
  INFO(out.dump());
  CHECK(out["outcome"] == "applied");
  CHECK(s.w.currentSystem() == s.w.path("good"));
  CHECK(s.switchUnits().empty());
}
