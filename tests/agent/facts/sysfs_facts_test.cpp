#include <catch2/catch.hpp>

#include <filesystem>

#include "agent/facts/collector.h"
#include "agent/facts/sysfs_facts.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using photon::test::TempDir;

namespace {
constexpr const char* kCpuInfo = R"(processor	: 0
vendor_id	: GenuineIntel
model name	: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
physical id	: 0
core id		: 0
flags		: fpu vme de pse vmx ssse3
processor	: 1
model name	: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
physical id	: 0
core id		: 0
flags		: fpu vme de pse vmx ssse3
processor	: 2
model name	: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
physical id	: 1
core id		: 0
flags		: fpu vme de pse vmx ssse3
processor	: 3
model name	: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
physical id	: 1
core id		: 0
flags		: fpu vme de pse vmx ssse3
)";

// A hand-made machine: two sockets of one hyper-threaded core, 16 GiB, an SSD, an HDD, an NVMe
// namespace, the devices that are not disks, DMI and one NIC's sysfs attributes.
void makeTree(const TempDir& t) {
  t.write("proc/cpuinfo", kCpuInfo);
  t.write("proc/meminfo", "MemTotal:       16777216 kB\nMemFree:  1000 kB\n");
  t.write("proc/sys/kernel/hostname", "rack1-07\n");
  t.write("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  t.write("sys/block/sda/size", "1953525168\n");
  t.write("sys/block/sda/queue/rotational", "0\n");
  t.write("sys/block/sda/device/model", "Samsung SSD 870 \n");
  t.write("sys/block/sda/device/serial", "S5Y1NX0R\n");
  t.write("sys/block/sda/device/wwid", "naa.5002538f41234567\n");
  t.write("sys/block/sdb/size", "7814037168\n");
  t.write("sys/block/sdb/queue/rotational", "1\n");
  t.write("sys/block/sdb/device/model", "ST4000NM000A\n");
  t.write("sys/block/nvme0n1/size", "2000409264\n");
  t.write("sys/block/nvme0n1/queue/rotational", "0\n");
  t.write("sys/block/nvme0n1/wwid", "eui.0025388b91b2c3d4\n");
  t.write("sys/block/nvme0n1/device/model", "PM9A3\n");
  t.write("sys/block/nvme0n1/device/serial", "NV123\n");
  for (const char* skip : {"loop0", "ram0", "zram0", "dm-0"}) {
    t.write(std::string("sys/block/") + skip + "/size", "1024\n");
  }
  t.write("sys/class/dmi/id/sys_vendor", "Supermicro\n");
  t.write("sys/class/dmi/id/product_name", "SYS-1029P\n");
  t.write("sys/class/dmi/id/product_serial", "SM-0042\n");
  t.write("sys/class/dmi/id/product_uuid", "4c4c4544-0042-3510-8052-b2c04f4e3132\n");
  t.write("sys/class/net/eno1/speed", "25000\n");
  t.write("sys/bus/pci/drivers/ice/.keep", "");
  std::filesystem::create_directories(t.file("sys/class/net/eno1/device"));
  std::filesystem::create_symlink("../../../../bus/pci/drivers/ice",
                                  t.file("sys/class/net/eno1/device/driver"));
  t.write("sys/class/net/eno2/speed", "-1\n");
}
}  // namespace

TEST_CASE("facts: cpuinfo gives model, cores, threads and virtualization", "[agent]") {
  auto cpu = agent::parseCpuInfo(kCpuInfo);
  CHECK(cpu.model == "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz");
  CHECK(cpu.threads == 4);
  CHECK(cpu.cores == 2);
  CHECK(cpu.virtualization);

  // No topology (some ARM kernels), no vmx/svm; a flag merely containing "svm" does not count.
  auto bare = agent::parseCpuInfo("processor : 0\nflags : fpu xsvmx\nprocessor : 1\n");
  CHECK(bare.threads == 2);
  CHECK(bare.cores == 2);
  CHECK_FALSE(bare.virtualization);
  CHECK(agent::parseCpuInfo("processor: 0\nflags: lm svm\n").virtualization);
}

TEST_CASE("facts: meminfo gives MemTotal in bytes, and a missing line is an error", "[agent]") {
  auto total = agent::parseMemTotal("MemFree: 12 kB\nMemTotal:  2048 kB\n");
  REQUIRE(total);
  CHECK(*total == 2048 * 1024);
  CHECK_FALSE(agent::parseMemTotal("MemFree: 12 kB\n"));
  CHECK_FALSE(agent::parseMemTotal("MemTotal: lots kB\n"));
}

TEST_CASE("facts: a hand-made tree is read whole", "[agent]") {
  TempDir t;
  makeTree(t);
  auto cpu = agent::readCpu(t.path());
  REQUIRE(cpu);
  CHECK(cpu->cores == 2);
  auto memory = agent::readMemory(t.path());
  REQUIRE(memory);
  CHECK(*memory == int64_t{16} << 30);

  auto disks = agent::readDisks(t.path());
  REQUIRE(disks.size() == 3);  // loop0, ram0, zram0 and dm-0 skipped
  CHECK(disks[0].name == "nvme0n1");
  CHECK(disks[0].wwn == "eui.0025388b91b2c3d4");
  CHECK(disks[0].serial == "NV123");
  CHECK(disks[1].name == "sda");
  CHECK(disks[1].size_bytes == int64_t{1953525168} * 512);
  CHECK_FALSE(disks[1].rotational);
  CHECK(disks[1].model == "Samsung SSD 870");
  CHECK(disks[1].serial == "S5Y1NX0R");
  CHECK(disks[1].wwn == "naa.5002538f41234567");
  CHECK(disks[2].name == "sdb");
  CHECK(disks[2].rotational);
  CHECK(disks[2].serial.empty());

  auto dmi = agent::readDmi(t.path());
  CHECK(dmi.vendor == "Supermicro");
  CHECK(dmi.product == "SYS-1029P");
  CHECK(dmi.serial == "SM-0042");
  CHECK(dmi.uuid == "4c4c4544-0042-3510-8052-b2c04f4e3132");

  auto id = agent::readMachineId(t.path());
  REQUIRE(id);
  CHECK(*id == "0123456789abcdef0123456789abcdef");
  CHECK(agent::readHostname(t.path()) == "rack1-07");

  common::NicFacts eno1{.name = "eno1"};
  agent::readNicSysfs(t.path(), eno1);
  CHECK(eno1.speed_mbps == 25000);
  CHECK(eno1.driver == "ice");
  common::NicFacts eno2{.name = "eno2"};
  agent::readNicSysfs(t.path(), eno2);
  CHECK(eno2.speed_mbps == 0);  // -1: the driver does not know
  CHECK(eno2.driver.empty());
}

TEST_CASE("facts: /dev/kvm alone means virtualization is usable", "[agent]") {
  TempDir t;
  t.write("proc/cpuinfo", "processor : 0\nflags : fpu\n");
  auto without = agent::readCpu(t.path());
  REQUIRE(without);
  CHECK_FALSE(without->virtualization);
  t.write("dev/kvm", "");
  auto with = agent::readCpu(t.path());
  REQUIRE(with);
  CHECK(with->virtualization);
}

TEST_CASE("facts: a bad or missing machine-id is an error, other gaps are not", "[agent]") {
  TempDir t;
  CHECK_FALSE(agent::collectMachineFacts(t.path()));
  t.write("etc/machine-id", "not-a-machine-id\n");
  auto bad = agent::collectMachineFacts(t.path());
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("machine-id") != std::string::npos);

  t.write("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  std::string warnings;
  auto sparse = agent::collectMachineFacts(t.path(), &warnings);
  REQUIRE(sparse);
  CHECK(sparse->facts.disks.empty());
  CHECK(warnings.find("cpu") != std::string::npos);
  CHECK(warnings.find("memory") != std::string::npos);
}

TEST_CASE("facts: the digest follows the facts", "[agent]") {
  common::Facts a;
  a.cpu.cores = 4;
  common::Facts b = a;
  CHECK(agent::factsDigest(a) == agent::factsDigest(b));
  CHECK(agent::factsDigest(a).size() == 64);
  b.disks.push_back({.name = "sda", .size_bytes = 1});
  CHECK(agent::factsDigest(a) != agent::factsDigest(b));
}

TEST_CASE("facts: this machine's real facts", "[agent]") {
  std::string warnings;
  auto facts = agent::collectMachineFacts("/", &warnings);
  REQUIRE(facts);
  INFO(warnings);
  CHECK(facts->machine_id.size() == 32);
  CHECK(facts->facts.cpu.threads >= 1);
  CHECK(facts->facts.cpu.cores >= 1);
  CHECK(facts->facts.cpu.cores <= facts->facts.cpu.threads);
  CHECK(!facts->facts.cpu.model.empty());
  CHECK(facts->facts.memory_bytes > int64_t{256} << 20);
  for (const auto& disk : facts->facts.disks) {
    CHECK_FALSE(agent::isVirtualBlockDevice(disk.name));
    CHECK(disk.size_bytes >= 0);
  }
  for (const auto& nic : facts->facts.nics) CHECK(nic.name != "lo");
  // The facts survive the API's own parser (what phone-home will run on them).
  auto round = common::factsFromJson(common::toJson(facts->facts), "facts");
  REQUIRE(round);
  CHECK(round->cpu.threads == facts->facts.cpu.threads);
}

TEST_CASE("facts: a MemTotal or disk size past int64 bytes is refused, not overflowed",
          "[agent][fuzz]") {
  // Found by tests/fuzz/facts_fuzz.cpp (UBSan: signed integer overflow in kB * 1024).
  CHECK_FALSE(agent::parseMemTotal("MemTotal: 99999999999999999 kB\n"));
  auto largest = agent::parseMemTotal("MemTotal: 9007199254740991 kB\n");
  REQUIRE(largest);
  CHECK(*largest == int64_t{9007199254740991} * 1024);
  TempDir t;
  t.write("sys/block/sda/size", "99999999999999999\n");  // sectors * 512 would overflow
  t.write("sys/block/sdb/size", "2048\n");
  auto disks = agent::readDisks(t.path());
  REQUIRE(disks.size() == 1);
  CHECK(disks[0].name == "sdb");
}
