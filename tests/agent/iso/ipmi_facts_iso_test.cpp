// The in-band BMC facts for real: the test ISO with Debian's generic kernel (build-test-iso
// --with-ipmi; the cloud kernel has no IPMI) booted under QEMU/TCG with a BMC — QEMU's
// ipmi-bmc-extern on a KCS interface, connected to OpenIPMI's ipmi_sim — so the guest's kernel
// gives the agent a real /dev/ipmi0. The agent reads the BMC's LAN address and MAC through it
// (FreeIPMI's in-band driver), phones home with them, and the coordinator's rule matches the
// machine by its BMC's MAC.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "tests/coordinator/power/ipmi_sim.h"
#include "tests/nix/run_program.h"
#include "tests/support/coordinator_fixture.h"

using photon::common::Json;
using namespace photon::test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {
const std::string kAgent = std::string(PHOTON_BUILD_DIR) + "/agent/photon-agent";
const std::string kBuilder = std::string(PHOTON_SOURCE_DIR) + "/iso/build-test-iso";
}  // namespace

TEST_CASE("test ISO with a BMC: the agent reads the BMC's address and MAC through /dev/ipmi0",
          "[iso][power][integration]") {
  if (!fs::exists(kAgent)) FAIL("photon-agent is missing at " << kAgent << ": build it first");

  TempDir tmp;
  // The BMC: ipmi_sim, its LAN parameters from a lan_config_program, and a port where it waits
  // for the VM's BMC interface.
  const std::string bmc_mac = "52:54:00:b0:0c:" + std::to_string(10 + getpid() % 89);
  const std::string lan_log = tmp.file("lan-calls");
  const int vm_port = freeTcpPort();
  IpmiSim bmc({}, IpmiSim::lanScript(lan_log, "10.0.8.42", bmc_mac), vm_port);

  CoordinatorFixture coordinator;
  Json cluster = Json::parse(R"({
    "name": "ipmi-iso",
    "pools": [{"name": "lab", "cidr": "10.0.9.0/24", "range_start": "10.0.9.10",
               "range_end": "10.0.9.20", "gateway": "10.0.9.1"}],
    "rules": [{"name": "any", "match": {}, "pool": "lab"}]
  })");
  cluster["rules"].push_back(
      Json{{"name", "by-bmc"}, {"match", {{"bmc_macs", Json::array({bmc_mac})}}}, {"pool", "lab"}});
  auto applied = coordinator.admin("PUT", "/api/v1/cluster", cluster);
  INFO(applied.body.dump());
  REQUIRE(applied.status == 200);
  const std::string port = coordinator.url().substr(coordinator.url().rfind(':') + 1);

  const std::string token = tmp.write("bootstrap-token", kBootstrapToken);
  const std::string iso = tmp.file("photon-test.iso");
  auto built = runProgram({kBuilder, "--agent", kAgent, "--coordinator", "http://10.0.2.2:" + port,
                           "--token-file", token, "--out", iso, "--cache",
                           std::string(PHOTON_BUILD_DIR) + "/test-iso-cache", "--with-ipmi"},
                          tmp.path(), {}, std::chrono::minutes(5));
  INFO(built.out << built.err);
  REQUIRE(built.exit_code == 0);

  const std::string serial_log = tmp.file("serial.log");
  auto started = Clock::now();
  ChildProcess qemu(
      {"qemu-system-x86_64", "-accel", "tcg", "-m", "512", "-cdrom", iso, "-boot", "d",
       "-nographic", "-no-reboot", "-serial", "file:" + serial_log, "-monitor", "none",
       "-chardev",
       "socket,id=ipmi0,host=127.0.0.1,port=" + std::to_string(vm_port) + ",reconnect=1",
       "-device", "ipmi-bmc-extern,id=bmc0,chardev=ipmi0", "-device", "isa-ipmi-kcs,bmc=bmc0",
       "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"},
      tmp.file("qemu.out"), tmp.file("qemu.err"));

  // Bounded: the phone-home (no install: the rule does not install on sight).
  Json node;
  while (Clock::now() - started < std::chrono::minutes(5) && qemu.running()) {
    auto list = coordinator.admin("GET", "/api/v1/nodes");
    if (list.status == 200 && !list.body["nodes"].empty()) {
      node = list.body["nodes"][0];
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const double phone_home_s = std::chrono::duration<double>(Clock::now() - started).count();
  INFO("serial console:\n" << readWholeFile(serial_log) << "\nqemu: "
                           << readWholeFile(tmp.file("qemu.err")) << "\nipmi_sim asked: "
                           << readWholeFile(lan_log));
  REQUIRE(!node.is_null());
  std::cout << "generic-kernel ISO with a BMC, boot to phone-home: " << phone_home_s
            << " s (TCG)\n";

  const Json& facts_bmc = node["facts"]["bmc"];
  CHECK(facts_bmc["address"] == "10.0.8.42");
  CHECK(facts_bmc["address_source"] == "static");
  CHECK(facts_bmc["mac"] == bmc_mac);
  CHECK(facts_bmc["channel"] == 1);
  CHECK(node["rule"] == "by-bmc");  // matched by the BMC's MAC, over the catch-all
  // The BMC was asked through its system interface: ipmi_sim ran its lan_config_program.
  CHECK(readWholeFile(lan_log).find("mac_addr") != std::string::npos);
}
