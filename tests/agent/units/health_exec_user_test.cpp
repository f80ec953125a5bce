// An instance's exec health check runs as the instance's user, never with the agent's root
// credentials: the command reports the uid, gid and groups it ran with. Needs root (to become
// the user); the user is Debian's `nobody` (65534, group nogroup).
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "agent/core/user_credentials.h"
#include "agent/units/health_probe.h"
#include "tests/agent/units/test_locators.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;

namespace {

// The check writes what `id` says about it into `out` (world-writable dir: it is not root).
HealthCheckSpec idCheck(const std::string& out, const std::string& user) {
  HealthCheckSpec h;
  h.kind = HealthKind::kExec;
  h.timeout_ms = 5000;
  h.unit = "photon-test.service";
  h.user = user;
  h.exec = {"/bin/sh", "-c", "echo \"$(id -u) $(id -g) $(id -G)\" > " + out};
  return h;
}

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("units health: an exec check runs as the instance's user with only its groups",
          "[units][sandbox][integration]") {
  REQUIRE(::geteuid() == 0);
  photon::test::TempDir dir;
  ::chmod(dir.path().c_str(), 0777);
  auto probe = makeSystemHealthProbe(makeProcessRunner(), photon::test::selfLocator());

  auto as_nobody = dir.file("nobody");
  REQUIRE(probe->check(idCheck(as_nobody, "nobody")));
  CHECK(readAll(as_nobody) == "65534 65534 65534\n");

  // An instance without a user runs as root, and so does its check.
  auto as_root = dir.file("root");
  REQUIRE(probe->check(idCheck(as_root, "")));
  CHECK(readAll(as_root).starts_with("0 0 "));

  // A user that is not there: nothing runs, and never as root instead.
  auto missing = dir.file("missing");
  auto r = probe->check(idCheck(missing, "photon-no-such-user"));
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("no user photon-no-such-user"));
  CHECK_FALSE(std::ifstream(missing).good());
}

TEST_CASE("units health: the check of a process instance takes the instance's user",
          "[units][sandbox]") {
  auto j = photon::common::Json::parse(R"({"name": "web", "exec": ["/bin/web"], "user": "www",
      "health": {"exec": ["/bin/check"]}})");
  auto spec = parseInstance(j, "units[0]");
  REQUIRE(spec);
  CHECK(spec->health.user == "www");

  auto credentials = credentialsOf("nobody");
  REQUIRE(credentials);
  CHECK(credentials->uid == 65534u);
  CHECK(credentials->gid == 65534u);
  CHECK(credentials->groups == std::vector<gid_t>{65534});
  CHECK_FALSE(credentialsOf("photon-no-such-user"));
}
