// A container instance's exec health check runs inside its container, against a real systemd
// booted in nspawn that runs the instance under a nested systemd-nspawn: a check for a file
// only the container's image has passes there, and the same check of a process instance,
// which runs on the node, fails.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/units/health_probe.h"
#include "agent/units/sd_systemd_bus.h"
#include "agent/units/unit_cgroup.h"
#include "agent/units/unit_locator.h"
#include "agent/units/units_reconciler.h"
#include "tests/agent/units/busybox_image.h"
#include "tests/agent/units/test_locators.h"
#include "tests/support/nspawn_container.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::common::Json;
using photon::test::NspawnContainer;
using photon::test::viewOf;
using namespace std::chrono_literals;

namespace {

constexpr const char* kOnlyInContainer = "/only-in-container";

Json find(const Json& out, const std::string& name) {
  for (const auto& i : out["instances"]) {
    if (i["name"] == name) return i;
  }
  return Json();
}

Json withCheck(Json instance, const std::vector<std::string>& check) {
  instance["health"] = {{"exec", check}, {"interval_s", 1}, {"rise", 1}, {"fall", 1}};
  return instance;
}

}  // namespace

TEST_CASE("units health: a container instance's exec check runs inside its container",
          "[units][sandbox][integration]") {
  REQUIRE_FALSE(std::filesystem::exists(kOnlyInContainer));
  NspawnContainer c(
      {.rootfs = photon::test::ensureNspawnRootfs(PHOTON_SOURCE_DIR, PHOTON_BUILD_DIR),
       .name = "photon-units-hcheck"});
  photon::test::TempDir tmp;
  // The marker file and a user of its own, only in the image.
  photon::test::installBusyboxImage(
      c, tmp, "tiny", {"sh", "sleep", "test", "id", "hostname", "grep"},
      {{"/etc/passwd", "root:x:0:0::/:/bin/sh\napp:x:1234:1235::/:/bin/sh\n"},
       {kOnlyInContainer, "here\n"}});

  // The test runs outside the test container's PID namespace: its systemd's MainPIDs are
  // mapped to ours. On a node the agent shares systemd's and maps nothing.
  auto containers = [&] {
    auto bus = connectSystemdBus(c.busAddress());
    REQUIRE(bus);
    return std::shared_ptr<UnitLocator>(makeBusUnitLocator(std::move(*bus), viewOf(c)));
  }();
  auto bus = connectSystemdBus(c.busAddress());
  REQUIRE(bus);
  UnitsReconciler r(std::move(*bus), makeSystemHealthProbe(makeProcessRunner(), containers));

  const std::vector<std::string> check = {"/bin/sh", "-c",
                                          std::string("test -f ") + kOnlyInContainer};
  Json boxed = withCheck({{"name", "boxed"},
                          {"kind", "container"},
                          {"image", "tiny"},
                          {"exec", {"/bin/sleep", "1002"}},
                          {"revision", 1},
                          {"restart", "always"}},
                         check);
  Json plain = withCheck(
      {{"name", "plain"}, {"exec", {"/bin/sleep", "1003"}}, {"revision", 1}, {"restart", "always"}},
      check);
  Json section = {boxed, plain};
  auto deadline = std::chrono::steady_clock::now() + 30s;
  Json out = r.reconcile(section);
  auto settled = [&] {
    return find(out, "boxed")["health"] == "healthy" && find(out, "plain")["health"] == "unhealthy";
  };
  while (!settled() && std::chrono::steady_clock::now() < deadline) {
    // Wakes on a unit change; a bus error returns at once, so then it sleeps instead.
    if (!r.waitForChange(200ms)) std::this_thread::sleep_for(200ms);
    out = r.reconcile(section);
  }
  INFO(out.dump());
  CHECK(find(out, "boxed")["state"] == "active");
  CHECK(find(out, "boxed")["health"] == "healthy");
  // The process instance's check runs on the node, where there is no such file.
  CHECK(find(out, "plain")["health"] == "unhealthy");
  CHECK_THAT(find(out, "plain").value("health_error", ""), Catch::Contains("exit code 1"));

  // As a user of the container's image, in its UTS namespace too (nspawn names the host
  // photon-<name>); the user is not the node's (the host has no uid 1234 "app").
  auto probe = makeSystemHealthProbe(makeProcessRunner(), containers);
  HealthCheckSpec as_app;
  as_app.kind = HealthKind::kExec;
  as_app.timeout_ms = 5000;
  as_app.unit = "photon-boxed.service";
  as_app.container = true;
  as_app.user = "app";
  as_app.exec = {"/bin/sh", "-c",
                 "test \"$(id -u)\" = 1234 && test \"$(id -g)\" = 1235 && test \"$(id -G)\" = "
                 "1235 && test \"$(hostname)\" = photon-boxed && test -f /only-in-container"};
  auto ran = probe->check(as_app);
  INFO((ran ? std::string() : ran.error().message));
  CHECK(ran);
  // Confined to the container's own capabilities, and no set-uid program can add any.
  auto leader = containers->leaderOf("photon-boxed.service");
  REQUIRE(leader);
  std::ifstream leader_status("/proc/" + std::to_string(leader->pid) + "/status");
  std::string status((std::istreambuf_iterator<char>(leader_status)), {});
  auto at = status.find("CapBnd:\t");
  REQUIRE(at != std::string::npos);
  auto bounding = status.substr(at, status.find('\n', at) - at);
  std::ifstream own_status("/proc/self/status");
  std::string own((std::istreambuf_iterator<char>(own_status)), {});
  CHECK(own.find(bounding + "\n") == std::string::npos);  // fewer than the agent's
  as_app.user = "";
  as_app.exec = {"/bin/sh", "-c",
                 "grep -qx '" + bounding +
                     "' /proc/self/status && grep -qx 'NoNewPrivs:.1' "
                     "/proc/self/status && test \"$(id -u)\" = 0"};
  ran = probe->check(as_app);
  INFO((ran ? std::string() : ran.error().message));
  CHECK(ran);
  // In the cgroup of the container's leader, a leaf inside the unit's cgroup (nspawn's payload),
  // never the test's own: read here from the leader itself.
  std::ifstream leader_cgroup_file("/proc/" + std::to_string(leader->pid) + "/cgroup");
  auto leader_cgroup =
      parseCgroup2Path(std::string((std::istreambuf_iterator<char>(leader_cgroup_file)), {}));
  REQUIRE(leader_cgroup);
  CHECK(leader_cgroup->starts_with(c.cgroupRoot() + "/system.slice/photon-boxed.service/"));
  REQUIRE(*leader_cgroup != photon::test::ownCgroup());
  as_app.exec = {"/bin/grep", "-qx", "0::" + *leader_cgroup, "/proc/self/cgroup"};
  ran = probe->check(as_app);
  INFO((ran ? std::string() : ran.error().message));
  CHECK(ran);
  // A user the image does not have: nothing runs.
  as_app.user = "ghost";
  auto ghost = probe->check(as_app);
  REQUIRE_FALSE(ghost);
  CHECK_THAT(ghost.error().message, Catch::Contains("no user ghost"));

  (void)r.reconcile(Json::array());
}
