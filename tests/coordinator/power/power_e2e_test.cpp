// The loop with no hands, as far as the test ISO goes: a declared node with a BMC (ipmi_sim,
// whose chassis_control starts and stops a real qemu-system-x86_64 under TCG with the test ISO
// as its CD); `power on` through the API -> the VM boots the ISO -> its agent phones home with
// the VM's facts -> the declared identity (the node's MAC) matches -> the install steps run ->
// active; then `retire` powers it off and the VM is gone.
// Not covered (said so in the report): the tiny guest cannot install NixOS, so there is no
// "boot device disk, cycle, come back from the disk" leg; the ISO's init powers the VM off
// itself after the bootstrap.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "coordinator/power/power_service.h"
#include "tests/coordinator/power/ipmi_sim.h"
#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

namespace {

const std::string kAgent = std::string(PHOTON_BUILD_DIR) + "/agent/photon-agent";
const std::string kBuilder = std::string(PHOTON_SOURCE_DIR) + "/iso/build-test-iso";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// chassis_control for ipmi_sim: "power" is whether the VM's QEMU runs; power 1 starts it with
// the ISO (booting the CD when the next boot device says so), power 0 kills it by its PID.
std::string vmChassis(const std::string& dir, const std::string& iso, const std::string& disk,
                      const std::string& mac) {
  return "#!/bin/sh\n"
         "D=" +
         dir +
         "\n"
         "echo \"$@\" >> $D/calls\n"
         "alive() { [ -s $D/qemu.pid ] && kill -0 \"$(cat $D/qemu.pid)\" 2>/dev/null; }\n"
         "if [ \"$1\" = get ]; then shift\n"
         "  for w in \"$@\"; do case $w in\n"
         "    power) if alive; then echo power:1; else echo power:0; fi;;\n"
         "    boot) echo \"boot:$(cat $D/boot)\";;\n"
         "  esac; done\n"
         "elif [ \"$1\" = set ]; then\n"
         "  case \"$2\" in\n"
         "    power)\n"
         "      if [ \"$3\" = 1 ]; then\n"
         "        alive && exit 0\n"
         "        order=c; [ \"$(cat $D/boot)\" = cdrom ] && order=d\n"
         "        qemu-system-x86_64 -accel tcg -m 512 -cdrom " +
         iso +
         " -boot $order \\\n"
         "          -display none -no-reboot -serial file:$D/serial.log -monitor none \\\n"
         "          -drive file=" +
         disk +
         ",if=none,id=d0,format=raw,cache=unsafe \\\n"
         "          -device virtio-blk-pci,drive=d0,serial=PHOTON-E2E \\\n"
         "          -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=" +
         mac +
         " \\\n"
         "          -daemonize -pidfile $D/qemu.pid >>$D/qemu.log 2>&1\n"
         "      else\n"
         "        alive && kill \"$(cat $D/qemu.pid)\"\n"
         "        rm -f $D/qemu.pid\n"
         "      fi;;\n"
         "    boot) echo \"$3\" > $D/boot;;\n"
         "  esac\n"
         "fi\n";
}

// Whether `pid` is a live process: a zombie (QEMU exited, its reaper has not looked yet) is not.
bool running(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  auto paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// Kills the VM by its PID however the test ends.
struct VmReaper {
  std::string pid_file;
  ~VmReaper() {
    std::string pid = slurp(pid_file);
    if (!pid.empty()) ::kill(std::stoi(pid), SIGKILL);
  }
};

// Long-polls the power record of `target` until operation `op` is in its history.
Json awaitOperation(CoordinatorFixture& c, const std::string& target, const std::string& op) {
  int64_t since = 0;
  for (int i = 0; i < 60; ++i) {
    auto r =
        c.admin("GET", "/api/v1/nodes/" + target + "/power?wait=5&since=" + std::to_string(since));
    for (const auto& h : r.body["history"]) {
      if (h["id"] == op) return h;
    }
    since = r.body.value("revision", int64_t{0});
  }
  return nullptr;
}

}  // namespace

TEST_CASE(
    "power e2e: power on boots a declared machine's VM from the ISO to active, then retire "
    "switches it off",
    "[power][e2e][integration]") {
  if (!fs::exists(kAgent)) FAIL("photon-agent is missing at " << kAgent << ": build it first");
  CoordinatorFixture c;
  const std::string port = c.url().substr(c.url().rfind(':') + 1);
  test::TempDir tmp;
  const std::string token = tmp.write("bootstrap-token", test::kBootstrapToken);
  const std::string iso = tmp.file("photon-test.iso");
  {
    std::string log = tmp.file("build-iso.log");
    test::ChildProcess build(
        {kBuilder, "--agent", kAgent, "--coordinator", "http://10.0.2.2:" + port, "--token-file",
         token, "--out", iso, "--cache", std::string(PHOTON_BUILD_DIR) + "/test-iso-cache"},
        log);
    int code = build.wait(std::chrono::minutes(5));
    INFO(slurp(log));
    REQUIRE(code == 0);
  }
  const std::string disk = tmp.file("disk.img");
  { std::ofstream(disk).flush(); }
  fs::resize_file(disk, uintmax_t{2} << 30);
  char mac[18];
  int pid = getpid();
  std::snprintf(mac, sizeof mac, "52:54:00:%02x:%02x:%02x", (pid >> 16) & 0xff, (pid >> 8) & 0xff,
                pid & 0xff);

  // The BMC: the chassis_control's files live in their own dir, known before ipmi_sim starts.
  test::TempDir vm;
  vm.write("boot", "default\n");
  VmReaper reaper{vm.file("qemu.pid")};
  test::IpmiSim bmc(vmChassis(vm.path(), iso, disk, mac));
  std::string pw = tmp.write("bmc.pw", std::string(test::IpmiSim::kPassword) + "\n");
  ::chmod(pw.c_str(), 0600);

  // The declaration: the node "vm1", known by its MAC, with its BMC; installed on sight.
  Json cluster = Json::parse(R"({
    "name": "power-e2e",
    "pools": [{"name": "lab", "cidr": "10.0.9.0/24", "range_start": "10.0.9.10",
               "range_end": "10.0.9.20", "gateway": "10.0.9.1", "hostname_pattern": "vm-{index}",
               "disk_layout": "single-disk",
               "profile": "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-iso"}]
  })");
  cluster["rules"] = Json::array({Json{{"name", "node-vm1"},
                                       {"priority", 1000000},
                                       {"match", {{"macs", Json::array({mac})}}},
                                       {"pool", "lab"},
                                       {"auto_install", true}}});
  cluster["nodes"] = Json::array({Json{{"name", "vm1"},
                                       {"pool", "lab"},
                                       {"macs", Json::array({mac})},
                                       {"bmc",
                                        {{"driver", "ipmi"},
                                         {"address", "127.0.0.1"},
                                         {"port", bmc.port()},
                                         {"username", "admin"},
                                         {"password_file", pw}}}}});
  auto applied = c.admin("PUT", "/api/v1/cluster", cluster);
  INFO(applied.body.dump());
  REQUIRE(applied.status == 200);

  coordinator::power::PowerOptions options;
  options.poll_interval = std::chrono::seconds(2);
  options.manager.deadline = milliseconds(5000);
  coordinator::power::PowerService power(c.server().inventory(), options);
  std::atomic<bool> stop{false};
  std::thread control([&] {
    while (!stop) {
      power.tick();
      std::this_thread::sleep_for(milliseconds(100));
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      t.join();
    }
  } join{stop, control};

  // The installer once, then on: what a reprovision does, here by hand on a machine never seen.
  auto boot = c.admin("POST", "/api/v1/nodes/vm1/boot-device", Json{{"device", "cdrom"}});
  REQUIRE(boot.status == 202);
  auto started = Clock::now();
  auto on = c.admin("POST", "/api/v1/nodes/vm1/power", Json{{"action", "on"}});
  REQUIRE(on.status == 202);
  Json on_done = awaitOperation(c, "vm1", on.body["operation"].get<std::string>());
  INFO(slurp(vm.file("calls")) << slurp(vm.file("qemu.log")));
  REQUIRE(on_done.value("result", "") == "ok");
  CHECK(on_done["op"] == "on");
  REQUIRE(fs::exists(vm.file("qemu.pid")));
  const pid_t qemu_pid = std::stoi(slurp(vm.file("qemu.pid")));
  CHECK(running(qemu_pid));  // a real VM runs

  Json node;
  double phone_home_s = -1, active_s = -1;
  while (Clock::now() - started < std::chrono::minutes(5)) {
    auto list = c.admin("GET", "/api/v1/nodes");
    for (const auto& n : list.body["nodes"]) {
      if (n["rule"] == "node-vm1") node = n;
    }
    if (!node.is_null() && phone_home_s < 0) {
      phone_home_s = std::chrono::duration<double>(Clock::now() - started).count();
    }
    if (!node.is_null() && node["state"] == "active") {
      active_s = std::chrono::duration<double>(Clock::now() - started).count();
      break;
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
  INFO("serial console:\n" << slurp(vm.file("serial.log")));
  REQUIRE(!node.is_null());
  CHECK(node["state"] == "active");
  WARN("power on -> phone-home " << phone_home_s << " s, -> active " << active_s
                                 << " s (TCG, the test ISO)");
  std::string id = node["id"].get<std::string>();

  // Retire: the declared BMC now belongs to the enrolled node; the VM is switched off.
  auto retire = c.admin("POST", "/api/v1/nodes/" + id + "/actions/retire");
  REQUIRE(retire.status == 200);
  INFO(retire.body.dump());
  REQUIRE(retire.body["power_operations"]["operations"].size() == 1);
  Json off =
      awaitOperation(c, id, retire.body["power_operations"]["operations"][0].get<std::string>());
  CHECK(off.value("result", "") == "ok");
  CHECK(off["reason"] == "retire");
  // The VM is gone (the ISO's init may have powered it off already after its bootstrap: then
  // the off finds it off, and says so).
  CHECK_FALSE(running(qemu_pid));
  auto after = c.admin("GET", "/api/v1/nodes/" + id + "/power");
  CHECK(after.body["state"] == "off");
}
