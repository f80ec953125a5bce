// The in-band BMC facts in a real guest: the test ISO with Debian's generic kernel
// (build-test-iso --with-ipmi: the cloud kernel is built without IPMI) booted under QEMU/TCG with
// a BMC — QEMU's ipmi-bmc-extern on an isa-ipmi-kcs interface, connected to OpenIPMI's ipmi_sim —
// so that the guest's ipmi_si and ipmi_devintf give its agent a real /dev/ipmi0. The agent reads
// the BMC's LAN address and MAC through it (FreeIPMI's in-band driver), phones home with them,
// discovery shows them, and the coordinator's rule matches the machine by its BMC's MAC.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/coordinator/power/ipmi_sim.h"
#include "tests/coordinator/power/test_iso_vm.h"
#include "tests/support/coordinator_fixture.h"

using photon::common::Json;
using namespace photon::test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

TEST_CASE(
    "bmc in-band in a VM: the guest's agent reads the BMC's address and MAC through "
    "/dev/ipmi0 and discovery shows them",
    "[power][iso][integration]") {
  if (!fs::exists(kTestAgent)) FAIL("photon-agent is missing at " << kTestAgent << ": build it");

  TempDir tmp;
  // The BMC: ipmi_sim, its LAN parameters from a lan_config_program, and a TCP port where it
  // waits for the VM's BMC interface (the "VM" codec of QEMU's ipmi-bmc-extern).
  const std::string bmc_mac = perRunMac(0xb0);
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
  const std::string iso = buildTestIso(tmp, port, {"--with-ipmi"});

  const std::string serial_log = tmp.file("serial.log");
  auto started = Clock::now();
  ChildProcess qemu(
      {"/usr/bin/qemu-system-x86_64",
       "-accel",
       "tcg",
       "-m",
       "512",
       "-cdrom",
       iso,
       "-boot",
       "d",
       "-display",
       "none",
       "-no-reboot",
       "-serial",
       "file:" + serial_log,
       "-monitor",
       "none",
       "-chardev",
       "socket,id=ipmi0,host=127.0.0.1,port=" + std::to_string(vm_port) + ",reconnect=1",
       "-device",
       "ipmi-bmc-extern,id=bmc0,chardev=ipmi0",
       "-device",
       "isa-ipmi-kcs,bmc=bmc0",
       "-netdev",
       "user,id=n0",
       "-device",
       "virtio-net-pci,netdev=n0"},
      tmp.file("qemu.log"));

  // Bounded: the phone-home (no install: no rule installs on sight).
  std::string id;
  while (Clock::now() - started < std::chrono::minutes(5) && qemu.running()) {
    auto list = coordinator.admin("GET", "/api/v1/nodes");
    if (list.status == 200 && !list.body["nodes"].empty()) {
      id = list.body["nodes"][0]["id"].get<std::string>();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const double phone_home_s = std::chrono::duration<double>(Clock::now() - started).count();
  INFO("serial console:\n"
       << slurp(serial_log) << "\nqemu: " << slurp(tmp.file("qemu.log"))
       << "\nipmi_sim asked: " << slurp(lan_log));
  REQUIRE(!id.empty());
  WARN("generic-kernel ISO with a BMC, boot to phone-home: " << phone_home_s << " s (TCG)");

  auto node = coordinator.admin("GET", "/api/v1/nodes/" + id);
  REQUIRE(node.status == 200);
  INFO(node.body.dump());
  const Json facts_bmc = node.body["facts"].value("bmc", Json());
  REQUIRE(facts_bmc.is_object());
  CHECK(facts_bmc["address"] == "10.0.8.42");
  CHECK(facts_bmc["address_source"] == "static");
  CHECK(facts_bmc["mac"] == bmc_mac);
  CHECK(facts_bmc["channel"] == 1);
  CHECK(node.body["rule"] == "by-bmc");  // matched by the BMC's MAC, over the catch-all
  // The BMC was asked through the guest's system interface: ipmi_sim has no LAN session here,
  // only the VM's KCS, and it ran its lan_config_program for the MAC.
  CHECK(slurp(lan_log).find("mac_addr") != std::string::npos);
}
