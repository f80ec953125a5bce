// The Redfish driver against a fixture serving DMTF's public mockup (redfish_fixture.h: a test
// stand-in for a BMC, its documents copied from DMTF/Redfish-Mockup-Server).
#include "coordinator/power/redfish_driver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/coordinator/power/redfish_fixture.h"
#include "tests/support/test_ca.h"

using namespace photon;
using namespace photon::coordinator::power;
using test::RedfishFixture;

namespace {
auto in(int ms) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
}

BmcAccess accessTo(const RedfishFixture& f) {
  BmcAccess a;
  a.driver = "redfish";
  a.address = "127.0.0.1";
  a.port = f.port();
  a.scheme = "http";
  a.username = RedfishFixture::kUser;
  a.password = RedfishFixture::kPassword;
  return a;
}
}  // namespace

TEST_CASE("redfish driver: reads PowerState, resets with an allowed ResetType, logs out",
          "[power]") {
  RedfishFixture bmc;
  {
    RedfishDriver driver(accessTo(bmc));
    auto state = driver.status(in(3000));
    REQUIRE(state);
    CHECK(*state == PowerState::kOn);  // the mockup's system is On
    REQUIRE(driver.power(PowerAction::kOff, in(3000)));
    CHECK(bmc.powerState() == "Off");
    CHECK(*driver.status(in(3000)) == PowerState::kOff);
    // A cycle of an off machine switches it on; of an on one, the mockup has no PowerCycle:
    // ForceRestart, as its ResetType@Redfish.AllowableValues allow.
    REQUIRE(driver.power(PowerAction::kCycle, in(3000)));
    REQUIRE(driver.power(PowerAction::kCycle, in(3000)));
    REQUIRE(driver.power(PowerAction::kSoft, in(3000)));
    CHECK(bmc.resets() ==
          std::vector<std::string>{"ForceOff", "On", "ForceRestart", "GracefulShutdown"});
    CHECK(bmc.sessionsOpen() == 1);  // one session for the driver's life
  }
  CHECK(bmc.sessionsOpen() == 0);
}

TEST_CASE("redfish driver: boot override once by PATCH", "[power]") {
  RedfishFixture bmc;
  RedfishDriver driver(accessTo(bmc));
  REQUIRE(driver.setBootDevice(BootDevice::kCdrom, in(3000)));
  CHECK(bmc.boot()["BootSourceOverrideTarget"] == "Cd");
  CHECK(bmc.boot()["BootSourceOverrideEnabled"] == "Once");
  REQUIRE(driver.setBootDevice(BootDevice::kDisk, in(3000)));
  CHECK(bmc.boot()["BootSourceOverrideTarget"] == "Hdd");
}

TEST_CASE("redfish driver quirk: a system served only with a trailing slash", "[power]") {
  RedfishFixture bmc(RedfishFixture::Quirks{.trailing_slash_only = true});
  auto access = accessTo(bmc);
  access.system_id = "437XR1138R2";  // the path the driver builds, without the slash
  RedfishDriver driver(access);
  auto state = driver.status(in(3000));
  INFO((state ? "" : state.error().message));
  REQUIRE(state);
  REQUIRE(driver.power(PowerAction::kOff, in(3000)));
  REQUIRE(driver.setBootDevice(BootDevice::kPxe, in(3000)));
  CHECK(bmc.powerState() == "Off");
  CHECK(bmc.boot()["BootSourceOverrideTarget"] == "Pxe");
}

TEST_CASE("redfish driver quirk: a Reset answered 202 is followed through its task monitor",
          "[power]") {
  RedfishFixture bmc(RedfishFixture::Quirks{.task_polls = 3});
  RedfishDriver driver(accessTo(bmc));
  REQUIRE(driver.power(PowerAction::kOff, in(5000)));
  CHECK(bmc.taskPolls() == 4);  // three 202s, then the 200 that ends it
  CHECK(bmc.powerState() == "Off");
}

TEST_CASE("redfish driver quirk: a task that outlives the deadline fails at it", "[power]") {
  RedfishFixture bmc(RedfishFixture::Quirks{.task_polls = 1000});
  RedfishDriver driver(accessTo(bmc));
  auto started = std::chrono::steady_clock::now();
  auto done = driver.power(PowerAction::kOff, in(1000));
  REQUIRE_FALSE(done);
  CHECK(done.error().message.find("still running at the deadline") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1500));
}

TEST_CASE("redfish driver: wrong credentials are an error naming the session service", "[power]") {
  RedfishFixture bmc;
  auto access = accessTo(bmc);
  access.password = "nope";
  RedfishDriver driver(access);
  auto state = driver.status(in(3000));
  REQUIRE_FALSE(state);
  CHECK(state.error().code == common::ErrorCode::kUnauthorized);
  CHECK(state.error().message.find("SessionService/Sessions: HTTP 401") != std::string::npos);
}

TEST_CASE("redfish driver: a closed port fails fast with the transport's reason", "[power]") {
  int port;
  {
    RedfishFixture gone;
    port = gone.port();
  }
  BmcAccess access{"redfish", "127.0.0.1", port, "root", "pw", "http"};
  RedfishDriver driver(access);
  auto state = driver.status(in(3000));
  REQUIRE_FALSE(state);
  CHECK(state.error().code == common::ErrorCode::kUnavailable);
}

TEST_CASE("redfish driver: reset types chosen among the allowed ones", "[power]") {
  CHECK(resetTypeFor(PowerAction::kCycle, {}) == "PowerCycle");
  CHECK(resetTypeFor(PowerAction::kCycle, {"On", "ForceOff", "ForceRestart"}) == "ForceRestart");
  CHECK(resetTypeFor(PowerAction::kOn, {"ForceOn"}) == "ForceOn");
  CHECK(resetTypeFor(PowerAction::kSoft, {"On"}).empty());
  CHECK(powerStateOf("PoweringOff") == PowerState::kOn);
  CHECK(powerStateOf("Off") == PowerState::kOff);
  CHECK(powerStateOf("Paused") == PowerState::kUnknown);
}

TEST_CASE(
    "redfish driver: a BMC that accepts the connection and never answers fails at the "
    "deadline",
    "[power]") {
  // A listening socket nobody accepts from: the kernel completes the handshake, no byte comes.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  BmcAccess access{"redfish", "127.0.0.1", ntohs(addr.sin_port), "root", "pw", "http"};
  RedfishDriver driver(access);
  auto started = std::chrono::steady_clock::now();
  auto state = driver.status(in(1000));
  auto took = std::chrono::steady_clock::now() - started;
  ::close(fd);
  REQUIRE_FALSE(state);
  CHECK(state.error().code == common::ErrorCode::kUnavailable);
  CHECK(took >= std::chrono::milliseconds(900));
  CHECK(took < std::chrono::milliseconds(1500));
}

TEST_CASE(
    "redfish driver: HTTPS verified against the BMC's CA, refused without it, or "
    "accepted insecurely when asked",
    "[power][integration]") {
  test::TestCa ca;
  auto cert = ca.server("bmc");
  RedfishFixture bmc(test::RedfishQuirks{.tls_cert = cert.cert_file, .tls_key = cert.key_file});
  auto access = accessTo(bmc);
  access.scheme = "https";
  {
    auto verified = access;
    verified.ca_file = ca.caFile();
    RedfishDriver driver(verified);
    auto state = driver.status(in(3000));
    INFO((state ? "" : state.error().message));
    REQUIRE(state);
    CHECK(*state == PowerState::kOn);
  }
  {
    RedfishDriver driver(access);  // the system's CAs do not know the test CA
    auto state = driver.status(in(3000));
    REQUIRE_FALSE(state);
    CHECK(state.error().code == common::ErrorCode::kUnavailable);
    INFO(state.error().message);
    CHECK(state.error().message.find("SessionService/Sessions") != std::string::npos);
  }
  {
    auto insecure = access;
    insecure.insecure_tls = true;
    RedfishDriver driver(insecure);
    REQUIRE(driver.power(PowerAction::kOff, in(3000)));
    CHECK(bmc.powerState() == "Off");
  }
}
