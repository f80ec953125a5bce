// The in-band BMC facts. What runs for real: queryBmcLan's FreeIPMI commands (channel lookup,
// Get LAN Configuration Parameters for the MAC, IP address and its source) against OpenIPMI's
// ipmi_sim, a real BMC emulator, whose LAN channel answers them from its lan_config_program.
// The session to ipmi_sim is RMCP+ over loopback, not the kernel's device. readInbandBmc
// is tested here for its answers without a device (none; a file that is not one); the device
// itself in tests/coordinator/power/bmc_inband_vm_test.cpp, a VM with Debian's generic kernel.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "agent/facts/bmc_inband.h"
#include "agent/facts/collector.h"
#include "common/freeipmi_handles.h"
#include "tests/coordinator/power/ipmi_sim.h"
#include "tests/support/temp_dir.h"

using namespace photon;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A FreeIPMI context on the emulator's LAN channel (RMCP+, as the coordinator's driver opens it).
common::IpmiCtx lanSession(const test::IpmiSim& bmc) {
  common::IpmiCtx ctx(ipmi_ctx_create());
  REQUIRE(ctx);
  std::string host = "127.0.0.1:" + std::to_string(bmc.port());
  int rc = ipmi_ctx_open_outofband_2_0(
      ctx.get(), host.c_str(), test::IpmiSim::kUser, test::IpmiSim::kPassword, nullptr, 0,
      IPMI_PRIVILEGE_LEVEL_ADMIN, 3, 2000, 500,
      IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE, IPMI_FLAGS_DEFAULT);
  INFO(ipmi_ctx_errormsg(ctx.get()));
  REQUIRE(rc == 0);
  return ctx;
}

}  // namespace

TEST_CASE("bmc in-band: the BMC's LAN address, source and MAC come from the BMC itself",
          "[facts][power][integration]") {
  test::TempDir tmp;
  const std::string log = tmp.file("lan-calls");
  test::IpmiSim bmc({}, test::IpmiSim::lanScript(log, "10.0.8.5", "52:54:00:be:ef:01"));
  auto ctx = lanSession(bmc);

  auto facts = agent::queryBmcLan(ctx.get());
  INFO((facts ? std::string() : facts.error().message) << "\nipmi_sim asked: " << slurp(log));
  REQUIRE(facts);
  CHECK(facts->channel == 1);  // the emulator's `startlan 1`
  CHECK(facts->address == "10.0.8.5");
  CHECK(facts->address_source == "static");
  CHECK(facts->mac == "52:54:00:be:ef:01");
  CHECK(facts->present());
  std::string asked = slurp(log);
  CHECK(asked.find("ip_addr") != std::string::npos);
  CHECK(asked.find("mac_addr") != std::string::npos);

  // The facts' JSON carries them and reads back to the same.
  common::Facts all;
  all.bmc = *facts;
  auto round = common::factsFromJson(common::toJson(all), "facts");
  REQUIRE(round);
  CHECK(round->bmc.mac == facts->mac);
  CHECK(round->bmc.address == facts->address);
}

TEST_CASE("bmc in-band: a LAN channel that was never set up reports no BMC facts",
          "[facts][power][integration]") {
  test::IpmiSim bmc;  // no lan_config_program: ipmi_sim answers zeros
  auto ctx = lanSession(bmc);
  auto facts = agent::queryBmcLan(ctx.get());
  INFO((facts ? std::string() : facts.error().message));
  REQUIRE(facts);
  CHECK(facts->mac.empty());
  CHECK(facts->address.empty());
  CHECK_FALSE(facts->present());  // and so no "bmc" in the facts
}

TEST_CASE("bmc in-band: no device is no BMC, a device that is not IPMI is a warning",
          "[facts][power]") {
  test::TempDir tmp;
  auto none = agent::readInbandBmc(tmp.file("ipmi0"));
  REQUIRE_FALSE(none);
  CHECK(none.error().code == common::ErrorCode::kNotFound);

  std::string fake = tmp.write("ipmi0", "not a device\n");
  auto bad = agent::readInbandBmc(fake);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == common::ErrorCode::kUnavailable);
  CHECK(bad.error().message.find(fake) != std::string::npos);

  // Through the collector: a machine without the device has no "bmc" in its facts (and so the
  // same digest as before in-band facts existed); a broken one says why in the warnings.
  test::TempDir root;
  root.write("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  std::string warnings;
  auto plain = agent::collectMachineFacts(root.path(), &warnings);
  REQUIRE(plain);
  CHECK_FALSE(plain->facts.bmc.present());
  CHECK_FALSE(common::toJson(plain->facts).contains("bmc"));
  CHECK(warnings.find("bmc") == std::string::npos);
  root.write("dev/ipmi0", "not a device\n");
  auto broken = agent::collectMachineFacts(root.path(), &warnings);
  REQUIRE(broken);
  CHECK_FALSE(broken->facts.bmc.present());
  CHECK(warnings.find("bmc: IPMI device") != std::string::npos);
}
