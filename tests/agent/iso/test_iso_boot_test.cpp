// The test ISO (iso/build-test-iso) booted under QEMU/TCG against a real coordinator: the VM's
// photon-agent phones home with the VM's real facts — the virtio disk and NIC this test gave
// it — receives its install plan, runs the (harmless) install steps and reports the node active.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "tests/nix/run_program.h"
#include "tests/support/coordinator_fixture.h"

using photon::common::Json;
using namespace photon::test;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {
const std::string kAgent = std::string(PHOTON_BUILD_DIR) + "/agent/photon-agent";
const std::string kBuilder = std::string(PHOTON_SOURCE_DIR) + "/iso/build-test-iso";
constexpr const char* kProfile = "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-iso";

Json testCluster() {
  return Json::parse(std::string(R"({
    "name": "iso-test",
    "pools": [{"name": "lab", "cidr": "10.0.9.0/24", "range_start": "10.0.9.10",
               "range_end": "10.0.9.20", "gateway": "10.0.9.1", "hostname_pattern": "iso-{index}",
               "disk_layout": "single-disk", "profile": ")") +
                     kProfile + R"("}],
    "rules": [{"name": "vms", "match": {"min_disks": 1}, "pool": "lab", "auto_install": true}]
  })");
}

bool onPath(const std::string& tool) {
  TempDir tmp;
  return runProgram({"sh", "-c", "command -v \"$0\"", tool}, tmp.path()).exit_code == 0;
}

// The one node the coordinator knows, or null.
Json onlyNode(CoordinatorFixture& coordinator) {
  auto list = coordinator.admin("GET", "/api/v1/nodes");
  if (list.status != 200 || list.body["nodes"].empty()) return nullptr;
  return list.body["nodes"][0];
}
}  // namespace

TEST_CASE("test ISO: boots under TCG, phones home with the VM's facts and installs",
          "[iso][integration]") {
  if (!fs::exists(kAgent)) {
    FAIL("photon-agent is missing at " << kAgent << ": build the photon-agent target first");
  }
  for (const char* tool : {"qemu-system-x86_64", "grub-mkrescue", "xorriso"}) {
    if (!onPath(tool)) FAIL(tool << " is missing: run scripts/install-deps");
  }

  CoordinatorFixture coordinator;
  REQUIRE(coordinator.admin("PUT", "/api/v1/cluster", testCluster()).status == 200);
  const std::string port = coordinator.url().substr(coordinator.url().rfind(':') + 1);

  TempDir tmp;
  const std::string token = tmp.write("bootstrap-token", kBootstrapToken);
  const std::string iso = tmp.file("photon-test.iso");
  // The kernel download is kept in the build tree between runs.
  auto built = runProgram(
      {kBuilder, "--agent", kAgent, "--coordinator", "http://10.0.2.2:" + port, "--token-file",
       token, "--out", iso, "--cache", std::string(PHOTON_BUILD_DIR) + "/test-iso-cache"},
      tmp.path(), {}, std::chrono::minutes(5));
  INFO(built.out << built.err);
  REQUIRE(built.exit_code == 0);

  // The facts the VM must report: chosen here, per run.
  const int pid = getpid();
  char mac[18];
  std::snprintf(mac, sizeof mac, "52:54:00:%02x:%02x:%02x", (pid >> 16) & 0xff, (pid >> 8) & 0xff,
                pid & 0xff);
  const std::string disk_serial = "PHOTON-" + std::to_string(pid);
  const std::string disk = tmp.file("disk.img");
  { std::ofstream(disk).flush(); }
  constexpr uintmax_t kDiskBytes = uintmax_t{2} << 30;
  fs::resize_file(disk, kDiskBytes);  // sparse

  const std::string serial_log = tmp.file("serial.log");
  auto started = Clock::now();
  ChildProcess qemu({"qemu-system-x86_64",
                     "-accel",
                     "tcg",
                     "-m",
                     "512",
                     "-cdrom",
                     iso,
                     "-boot",
                     "d",
                     "-nographic",
                     "-no-reboot",
                     "-serial",
                     "file:" + serial_log,
                     "-monitor",
                     "none",
                     "-drive",
                     "file=" + disk + ",if=none,id=d0,format=raw,cache=unsafe",
                     "-device",
                     "virtio-blk-pci,drive=d0,serial=" + disk_serial,
                     "-netdev",
                     "user,id=n0",
                     "-device",
                     "virtio-net-pci,netdev=n0,mac=" + std::string(mac)},
                    tmp.file("qemu.out"), tmp.file("qemu.err"));

  // Bounded: a phone-home, then the node active (the agent reports it after the steps).
  Json node;
  double phone_home_s = -1;
  const auto deadline = started + std::chrono::minutes(4);
  while (Clock::now() < deadline && qemu.running()) {
    node = onlyNode(coordinator);
    if (!node.is_null() && phone_home_s < 0) {
      phone_home_s = std::chrono::duration<double>(Clock::now() - started).count();
    }
    if (!node.is_null() && node["state"] == "active") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // The init powers off after bootstrap; only then is the console complete.
  const int qemu_exit = qemu.wait(std::chrono::seconds(60));
  node = onlyNode(coordinator);  // QEMU may have ended between two polls
  const std::string console = readWholeFile(serial_log);
  INFO("serial console:\n" << console << "\nqemu: " << readWholeFile(tmp.file("qemu.err")));
  REQUIRE(!node.is_null());
  std::cout << "iso boot to phone-home: " << phone_home_s << " s (TCG)\n";

  // The facts are the VM's own: the NIC and disk this test chose.
  const Json& facts = node["facts"];
  bool saw_mac = false;
  for (const auto& nic : facts["nics"]) saw_mac = saw_mac || nic["mac"] == mac;
  CHECK(saw_mac);
  bool saw_disk = false;
  for (const auto& d : facts["disks"]) {
    if (d["name"] == "vda") {
      saw_disk = true;
      CHECK(d["size_bytes"] == kDiskBytes);
      CHECK(d["serial"] == disk_serial);
    }
  }
  CHECK(saw_disk);
  CHECK(facts["dmi"]["vendor"] == "QEMU");

  // It received its install plan and ran the install step with it, then reported active.
  CHECK(node["state"] == "active");
  CHECK(node["pool"] == "lab");
  CHECK(node["hostname"] == "iso-1");
  CHECK(node["address"] == "10.0.9.10");
  CHECK(console.find("install step: node=" + node["id"].get<std::string>() +
                     " hostname=iso-1 address=10.0.9.10/24 mac=" + mac) != std::string::npos);
  CHECK(qemu_exit == 0);
  CHECK(console.find("photon-test-iso: bootstrap exited 0") != std::string::npos);
}
