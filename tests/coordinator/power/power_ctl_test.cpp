// photonctl power / boot-device / bmc: the real binary against a real coordinator whose power
// service talks to ipmi_sim.
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "coordinator/power/power_service.h"
#include "tests/coordinator/power/ipmi_sim.h"
#include "tests/coordinator/power/power_test_support.h"
#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using std::chrono::milliseconds;
using test::CoordinatorFixture;

using test::lineOf;
using test::photonctl;
using test::TickedPower;

TEST_CASE("photonctl power: bmc set, power on, POWER column, boot-device, a dead BMC's error",
          "[power][integration]") {
  CoordinatorFixture c;
  test::IpmiSim sim;
  test::SilentBmc silent;
  TickedPower power(c);
  test::TempDir dir;
  auto enrol = [&](int n) {
    auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(n));
    REQUIRE(r.status == 200);
    return r.body["node_id"].get<std::string>();
  };
  std::string id = enrol(1), dead = enrol(2);
  std::string pw_file = dir.write("bmc.pw", std::string(test::IpmiSim::kPassword) + "\n");

  auto set =
      photonctl(dir, c.url(),
                {"bmc", "set", id, "--driver", "ipmi", "--address", "127.0.0.1", "--port",
                 std::to_string(sim.port()), "--username", "admin", "--password-file", pw_file});
  INFO(set.output);
  REQUIRE(set.code == 0);
  CHECK(set.output.find("password set") != std::string::npos);
  CHECK(set.output.find(test::IpmiSim::kPassword) == std::string::npos);
  auto show = photonctl(dir, c.url(), {"bmc", "show", id});
  CHECK(show.output.find(test::IpmiSim::kPassword) == std::string::npos);
  CHECK(show.output.find("\"password_set\": true") != std::string::npos);

  auto on = photonctl(dir, c.url(), {"power", "on", id});
  INFO(on.output);
  CHECK(on.code == 0);
  CHECK(on.output.find(id + ": on done in") != std::string::npos);
  CHECK(sim.power() == "1");

  auto nodes = photonctl(dir, c.url(), {"nodes"});
  CHECK(nodes.output.find("POWER") != std::string::npos);
  CHECK(lineOf(nodes.output, id).find(" on ") != std::string::npos);

  auto status = photonctl(dir, c.url(), {"-o", "json", "power", "status", id});
  auto j = common::Json::parse(status.output, nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["state"] == "on");
  CHECK(j["history"].size() == 1);

  auto boot = photonctl(dir, c.url(), {"boot-device", id, "pxe"});
  CHECK(boot.code == 0);
  CHECK(sim.boot() == "pxe");
  auto wrong = photonctl(dir, c.url(), {"boot-device", id, "floppy"});
  CHECK(wrong.code == 1);
  CHECK(wrong.output.find("floppy") != std::string::npos);

  REQUIRE(
      photonctl(dir, c.url(),
                {"bmc", "set", dead, "--driver", "ipmi", "--address", "127.0.0.1", "--port",
                 std::to_string(silent.port()), "--username", "admin", "--password-file", pw_file})
          .code == 0);
  auto failed = photonctl(dir, c.url(), {"power", "cycle", dead});
  INFO(failed.output);
  CHECK(failed.code == 1);
  CHECK(failed.output.find(
            "cycle failed: IPMI session to 127.0.0.1:" + std::to_string(silent.port()) +
            ": connection timeout") != std::string::npos);
  auto after = photonctl(dir, c.url(), {"nodes"});
  CHECK(lineOf(after.output, dead).find(" unknown! ") != std::string::npos);
}
