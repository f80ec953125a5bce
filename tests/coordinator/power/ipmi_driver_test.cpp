// The IPMI driver against a real BMC emulator: OpenIPMI's ipmi_sim on a loopback UDP port.
#include "coordinator/power/ipmi_driver.h"

#include <catch2/catch.hpp>

#include "tests/coordinator/power/ipmi_sim.h"

using namespace photon;
using coordinator::power::BootDevice;
using coordinator::power::IpmiDriver;
using coordinator::power::PowerAction;
using coordinator::power::PowerState;

namespace {
auto in(int ms) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
}
}  // namespace

TEST_CASE("ipmi driver: switches ipmi_sim's machine on and off and reads it back",
          "[power][integration]") {
  test::IpmiSim sim;
  IpmiDriver driver(sim.access());
  auto state = driver.status(in(3000));
  INFO((state ? "" : state.error().message));
  REQUIRE(state);
  CHECK(*state == PowerState::kOff);

  auto started = std::chrono::steady_clock::now();
  REQUIRE(driver.power(PowerAction::kOn, in(3000)));
  auto on = driver.status(in(3000));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  REQUIRE(on);
  CHECK(*on == PowerState::kOn);
  CHECK(sim.power() == "1");
  WARN("ipmi_sim: power on -> status on took " << took.count() << " ms");

  REQUIRE(driver.power(PowerAction::kOff, in(3000)));
  CHECK(sim.power() == "0");
  CHECK(*driver.status(in(3000)) == PowerState::kOff);
}

TEST_CASE("ipmi driver: a cycle of a machine that is off switches it on", "[power][integration]") {
  test::IpmiSim sim;
  IpmiDriver driver(sim.access());
  REQUIRE(driver.power(PowerAction::kCycle, in(3000)));
  CHECK(sim.power() == "1");
  CHECK(sim.calls().find("set power 1") != std::string::npos);
}

TEST_CASE("ipmi driver: sets the next boot device through chassis_control",
          "[power][integration]") {
  test::IpmiSim sim;
  IpmiDriver driver(sim.access());
  REQUIRE(driver.setBootDevice(BootDevice::kCdrom, in(3000)));
  CHECK(sim.boot() == "cdrom");
  REQUIRE(driver.setBootDevice(BootDevice::kPxe, in(3000)));
  CHECK(sim.boot() == "pxe");
}

TEST_CASE("ipmi driver: a wrong password is refused with the BMC's reason, quickly",
          "[power][integration]") {
  test::IpmiSim sim;
  auto access = sim.access();
  access.password = "not-the-password";
  IpmiDriver driver(access);
  auto started = std::chrono::steady_clock::now();
  auto state = driver.status(in(5000));
  REQUIRE_FALSE(state);
  INFO(state.error().message);
  CHECK(state.error().message.find("IPMI session to 127.0.0.1:") != std::string::npos);
  CHECK(state.error().message.find("password") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(4));
}

TEST_CASE("ipmi driver: a BMC that never answers fails at the deadline", "[power][integration]") {
  test::SilentBmc silent;
  coordinator::power::BmcAccess access{"ipmi", "127.0.0.1", silent.port(), "admin", "pw"};
  IpmiDriver driver(access);
  auto started = std::chrono::steady_clock::now();
  auto state = driver.status(in(1500));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  REQUIRE_FALSE(state);
  INFO(state.error().message);
  CHECK(state.error().code == common::ErrorCode::kUnavailable);
  CHECK(took >= std::chrono::milliseconds(1000));
  CHECK(took < std::chrono::milliseconds(2500));
}

TEST_CASE("ipmi driver: a port with nothing behind it fails by the deadline",
          "[power][integration]") {
  coordinator::power::BmcAccess access{"ipmi", "127.0.0.1", test::freeUdpPort(), "admin", "pw"};
  IpmiDriver driver(access);
  auto started = std::chrono::steady_clock::now();
  auto state = driver.status(in(1000));
  auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(state);
  INFO(state.error().message);
  CHECK(state.error().code == common::ErrorCode::kUnavailable);
  CHECK(took < std::chrono::milliseconds(1500));
}
