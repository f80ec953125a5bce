// The cgroup an exec health check starts in is read from /proc and validated before the agent
// opens it: pure parsing against hand-made /proc/<pid>/cgroup texts.
#include "agent/units/unit_cgroup.h"

#include <catch2/catch.hpp>

using namespace photon::agent;

TEST_CASE("unit cgroup: the cgroup2 line of /proc/pid/cgroup, also on a hybrid host",
          "[units][sandbox]") {
  auto unified = parseCgroup2Path("0::/system.slice/photon-web.service\n");
  REQUIRE(unified);
  CHECK(*unified == "/system.slice/photon-web.service");
  auto hybrid = parseCgroup2Path(
      "9:name=systemd:/system.slice/photon-web.service\n4:memory:/x\n"
      "0::/system.slice/photon-web.service\n");
  REQUIRE(hybrid);
  CHECK(*hybrid == "/system.slice/photon-web.service");
  auto root = parseCgroup2Path("0::/\n");
  REQUIRE(root);
  CHECK(*root == "/");
}

TEST_CASE(
    "unit cgroup: a path that could leave its unit, a removed cgroup and cgroup v1 are refused",
    "[units][sandbox]") {
  auto v1 = parseCgroup2Path("9:name=systemd:/system.slice/a.service\n4:memory:/\n");
  REQUIRE_FALSE(v1);
  CHECK_THAT(v1.error().message, Catch::Contains("no cgroup2"));
  // What a process outside the reader's cgroup namespace looks like: not a path to follow.
  CHECK_FALSE(parseCgroup2Path("0::/../..\n"));
  CHECK_FALSE(parseCgroup2Path("0::/system.slice/../../etc\n"));
  CHECK_FALSE(parseCgroup2Path("0::/a/./b\n"));
  CHECK_FALSE(parseCgroup2Path("0::/a//b\n"));
  CHECK_FALSE(parseCgroup2Path("0::relative\n"));
  CHECK_FALSE(parseCgroup2Path("0::\n"));
  CHECK_FALSE(parseCgroup2Path("0::/" + std::string(kMaxCgroupPath, 'a') + "\n"));
  auto removed = parseCgroup2Path("0::/system.slice/photon-web.service (deleted)\n");
  REQUIRE_FALSE(removed);
  CHECK_THAT(removed.error().message, Catch::Contains("removed"));
}

TEST_CASE("unit cgroup: within a unit by whole components, below the manager's root",
          "[units][sandbox]") {
  CHECK(cgroupWithin("/system.slice/a.service", "/system.slice/a.service"));
  CHECK(cgroupWithin("/system.slice/a.service/payload/init.scope", "/system.slice/a.service"));
  CHECK_FALSE(cgroupWithin("/system.slice/a.service2", "/system.slice/a.service"));
  CHECK_FALSE(cgroupWithin("/system.slice", "/system.slice/a.service"));
  CHECK_FALSE(cgroupWithin("/user.slice/b.service", "/system.slice/a.service"));
  CHECK(cgroupWithin("/anything", "/"));

  CHECK(cgroupUnder("", "/system.slice/a.service") == "/system.slice/a.service");
  CHECK(cgroupUnder("/", "/system.slice/a.service") == "/system.slice/a.service");
  CHECK(cgroupUnder("/photon-test-x/payload", "/system.slice/a.service") ==
        "/photon-test-x/payload/system.slice/a.service");
  CHECK(cgroupUnder("/photon-test-x/payload/", "/") == "/photon-test-x/payload");
  CHECK(cgroupUnder("", "/") == "/");
}

TEST_CASE("unit cgroup: a directory that is not a clean cgroup path is never opened",
          "[units][sandbox]") {
  auto climb = openCgroup("/../../etc");
  REQUIRE_FALSE(climb);
  CHECK_THAT(climb.error().message, Catch::Contains("not a clean cgroup path"));
  CHECK_FALSE(openCgroup("/photon-no-such-cgroup-for-this-test"));
}
