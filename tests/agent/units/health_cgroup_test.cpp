// A process instance's exec health check starts in its unit's cgroup (that of the unit's main
// process), never the agent's: against a real systemd booted in nspawn, the check's own
// /proc/self/cgroup names the unit's cgroup. A unit without a main process gets no check run at
// all, anywhere.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "agent/units/health_probe.h"
#include "agent/units/sd_systemd_bus.h"
#include "agent/units/unit_cgroup.h"
#include "tests/agent/units/test_locators.h"
#include "tests/support/nspawn_container.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::test::NspawnContainer;
using namespace std::chrono_literals;
using photon::test::fileContents;

namespace {

// The check writes its own cgroup membership into `out`.
HealthCheckSpec cgroupCheck(const std::string& unit, const std::string& out) {
  HealthCheckSpec h;
  h.kind = HealthKind::kExec;
  h.timeout_ms = 5000;
  h.unit = unit;
  h.exec = {"/bin/sh", "-c", "cat /proc/self/cgroup > " + out};
  return h;
}

}  // namespace

TEST_CASE("units health: a process instance's exec check runs in its unit's cgroup",
          "[units][sandbox][integration]") {
  REQUIRE(::geteuid() == 0);
  NspawnContainer c(
      {.rootfs = photon::test::ensureNspawnRootfs(PHOTON_SOURCE_DIR, PHOTON_BUILD_DIR),
       .name = "photon-units-hcgroup"});
  auto control = connectSystemdBus(c.busAddress());
  REQUIRE(control);
  auto locator_bus = connectSystemdBus(c.busAddress());
  REQUIRE(locator_bus);
  auto probe = makeSystemHealthProbe(
      makeProcessRunner(), makeBusUnitLocator(std::move(*locator_bus), photon::test::viewOf(c)));

  TransientUnit web;
  web.name = "photon-web.service";
  web.exec_start = {"/bin/sleep", "1000"};
  REQUIRE((*control)->startTransientUnit(web));
  auto state = (*control)->unitState(web.name);
  REQUIRE(state);
  REQUIRE(state->main_pid > 0);
  // Where the unit's main process is, read here independently of the probe.
  const auto unit_cgroup = c.cgroupRoot() + "/system.slice/photon-web.service";
  pid_t main = c.hostPid(static_cast<pid_t>(state->main_pid));
  REQUIRE(main > 0);
  auto main_cgroup = parseCgroup2Path(fileContents("/proc/" + std::to_string(main) + "/cgroup"));
  REQUIRE(main_cgroup);
  REQUIRE(*main_cgroup == unit_cgroup);
  REQUIRE(*main_cgroup != photon::test::ownCgroup());

  photon::test::TempDir dir;
  auto seen = dir.file("cgroup");
  auto ran = probe->check(cgroupCheck(web.name, seen));
  INFO((ran ? std::string() : ran.error().message));
  REQUIRE(ran);
  CHECK_THAT(fileContents(seen), Catch::Contains("0::" + unit_cgroup + "\n"));

  // As the instance's user too (nobody may write only into a world-writable directory).
  ::chmod(dir.path().c_str(), 0777);
  auto as_user = cgroupCheck(web.name, dir.file("as-user"));
  as_user.user = "nobody";
  as_user.exec = {"/bin/sh", "-c", "{ id -u; cat /proc/self/cgroup; } > " + dir.file("as-user")};
  ran = probe->check(as_user);
  INFO((ran ? std::string() : ran.error().message));
  REQUIRE(ran);
  CHECK(fileContents(dir.file("as-user")).starts_with("65534\n"));
  CHECK_THAT(fileContents(dir.file("as-user")), Catch::Contains("0::" + unit_cgroup + "\n"));

  // The unit stopped: its main process is gone, and the check runs nowhere (not in the agent's
  // cgroup instead), saying why.
  REQUIRE((*control)->stopUnit(web.name));
  auto gone = dir.file("gone");
  auto refused = probe->check(cgroupCheck(web.name, gone));
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message, Catch::Contains("run /bin/sh in photon-web.service"));
  CHECK_THAT(refused.error().message, Catch::Contains("no main process"));
  CHECK_FALSE(std::filesystem::exists(gone));
}

TEST_CASE("units health: a main process that is gone or was reused is refused, not joined",
          "[units][sandbox]") {
  // A pid that was a process and is no more (reaped): gone.
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  auto gone = processCgroupWithin(child, "/");
  REQUIRE_FALSE(gone);
  CHECK_THAT(gone.error().message, Catch::Contains("is gone"));

  // A pid that names a live process of another cgroup (as a recycled MainPID would): refused.
  auto own = photon::test::ownCgroup();
  REQUIRE_FALSE(own.empty());
  auto elsewhere = processCgroupWithin(::getpid(), cgroupUnder(own, "/photon-web.service"));
  REQUIRE_FALSE(elsewhere);
  CHECK_THAT(elsewhere.error().message, Catch::Contains("not within"));
  auto same = processCgroupWithin(::getpid(), own);
  REQUIRE(same);
  CHECK(*same == own);

  // A check whose unit the probe cannot find runs nowhere.
  photon::test::TempDir dir;
  auto marker = dir.file("ran");
  auto probe = makeSystemHealthProbe(makeProcessRunner());
  auto r = probe->check(cgroupCheck("photon-web.service", marker));
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("no way to find the unit's cgroup"));
  CHECK_FALSE(std::filesystem::exists(marker));
}
