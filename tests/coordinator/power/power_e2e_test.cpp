// The loop with no hands: a declared node with a BMC (ipmi_sim, whose chassis_control starts and
// stops a real qemu-system-x86_64 under TCG); `power on` through the API -> the VM boots the test
// ISO -> its agent phones home with the VM's facts -> the declared identity (the node's MAC)
// matches -> the install steps run -> active; the coordinator sets the boot device to the disk
// and cycles the machine through ipmi_sim -> the VM comes back from its disk and its installed
// agent reports; then `retire` powers it off and the VM is gone.
// The tiny test guest cannot install NixOS: its install step (build-test-iso --install-image)
// writes a bootable image of the same test guest to the VM's disk, with the node's credentials,
// and that image booted from the disk runs `photon-agent run` as the installed node. The chassis
// puts the ISO in the drive only for a boot from the CD (a machine whose virtual media was
// ejected once it was installed), so a disk boot can only come from the disk.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "coordinator/power/power_service.h"
#include "tests/coordinator/power/ipmi_sim.h"
#include "tests/coordinator/power/test_iso_vm.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;
using test::slurp;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace fs = std::filesystem;

namespace {

// chassis_control for ipmi_sim: "power" is whether the VM's QEMU runs; power 1 starts it, from
// the ISO in its drive when the boot device says cdrom, else from its disk with the drive empty
// (ipmi_sim names a "force hard drive" boot "default"); power 0 kills it by its PID and waits
// until it is gone, so that a cycle's power 1 (ipmi_sim sends it a second later) never starts a
// second QEMU on the same disk image. The console is appended to across boots.
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
         "        media=\"-boot c\"; [ \"$(cat $D/boot)\" = cdrom ] && media=\"-boot d -cdrom " +
         iso +
         "\"\n"
         "        echo \"boot: $media\" >> $D/boots\n"
         "        qemu-system-x86_64 -accel tcg -m 512 $media \\\n"
         "          -chardev file,id=con,path=$D/serial.log,append=on -serial chardev:con \\\n"
         "          -display none -no-reboot -monitor none \\\n"
         "          -drive file=" +
         disk +
         ",if=none,id=d0,format=raw,cache=unsafe \\\n"
         "          -device virtio-blk-pci,drive=d0,serial=PHOTON-E2E \\\n"
         "          -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=" +
         mac +
         " \\\n"
         "          -daemonize -pidfile $D/qemu.pid >>$D/qemu.log 2>&1\n"
         "      else\n"
         "        if alive; then\n"
         "          pid=$(cat $D/qemu.pid); kill $pid; i=0\n"
         "          while [ -d /proc/$pid ] && ! grep -q '^State:.*Z' /proc/$pid/status "
         "2>/dev/null \\\n"
         "                && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done\n"
         "        fi\n"
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

// The node's record until `done` holds for it (a GET each 250 ms, up to `limit` from `since`).
template <typename Done>
Json awaitNode(CoordinatorFixture& c, const std::string& id, Clock::time_point since,
               std::chrono::seconds limit, Done done) {
  Json node;
  while (Clock::now() - since < limit) {
    auto got = c.admin("GET", "/api/v1/nodes/" + id);
    if (got.status == 200) node = got.body;
    if (got.status == 200 && done(node)) break;
    std::this_thread::sleep_for(milliseconds(250));
  }
  return node;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TEST_CASE(
    "power e2e: power on boots a declared machine's VM from the ISO to active, it comes back "
    "from its disk, then retire switches it off",
    "[power][e2e][integration]") {
  if (!fs::exists(test::kTestAgent)) {
    FAIL("photon-agent is missing at " << test::kTestAgent << ": build it first");
  }
  CoordinatorFixture c;
  const std::string port = c.url().substr(c.url().rfind(':') + 1);
  test::TempDir tmp;
  // --install-image: the install step writes this guest's own image to the VM's disk.
  const std::string iso = test::buildTestIso(tmp, port, {"--install-image"});
  const std::string disk = tmp.file("disk.img");
  { std::ofstream(disk).flush(); }
  fs::resize_file(disk, uintmax_t{2} << 30);
  const std::string mac = test::perRunMac();

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
  coordinator::power::PowerService power(c.server().inventory(), c.server().store(), options);
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
  const pid_t iso_pid = std::stoi(slurp(vm.file("qemu.pid")));
  CHECK(running(iso_pid));  // a real VM runs

  Json node;
  double phone_home_s = -1, active_s = -1;
  while (Clock::now() - started < std::chrono::minutes(5)) {
    auto list = c.admin("GET", "/api/v1/nodes");
    for (const auto& n : list.body["nodes"]) {
      if (n["rule"] == "node-vm1") node = n;
    }
    if (!node.is_null() && phone_home_s < 0) phone_home_s = secondsSince(started);
    if (!node.is_null() && node["state"] == "active") {
      active_s = secondsSince(started);
      break;
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
  INFO("serial console:\n" << slurp(vm.file("serial.log")));
  REQUIRE(!node.is_null());
  REQUIRE(node["state"] == "active");
  const std::string id = node["id"].get<std::string>();
  CHECK(slurp(vm.file("serial.log")).find("installed the image to /dev/vda") != std::string::npos);

  // Installed: the coordinator sends it to its disk (boot device disk, cycle) as a lifecycle
  // step of the node, and the VM comes back from the disk as the same node. Its installed agent
  // (run, not bootstrap) reports: desired_revision is only in a running agent's reports.
  // Also noted: when the disk boot's QEMU started (the cycle's power 1), apart from the guest's
  // own boot after it.
  double disk_boot_s = -1;
  node = awaitNode(c, id, started, std::chrono::minutes(8), [&](const Json& n) {
    const std::string pid = slurp(vm.file("qemu.pid"));
    if (disk_boot_s < 0 && !pid.empty() && std::stoi(pid) != iso_pid) {
      disk_boot_s = secondsSince(started);
    }
    const Json observed = n.value("observed", Json());
    return observed.is_object() && observed.contains("desired_revision");
  });
  const double disk_s = secondsSince(started);
  const Json step = node.value("power_step", Json());
  INFO("serial console:\n"
       << slurp(vm.file("serial.log")) << "\nchassis calls:\n"
       << slurp(vm.file("calls")) << "\nboots:\n"
       << slurp(vm.file("boots")) << "\nnode: " << node.dump());
  REQUIRE(node.value("observed", Json()).contains("desired_revision"));
  CHECK(node["state"] == "active");
  REQUIRE(step.is_object());
  CHECK(step["action"] == "installed");
  CHECK(step["result"] == "ok");
  // The chassis was told: the disk (ipmi_sim's "default") after the CD, then a cycle, and it
  // booted twice: the installer from the CD, then the disk with the drive empty.
  const std::string calls = slurp(vm.file("calls"));
  CHECK(calls.find("set boot default", calls.find("set boot cdrom")) != std::string::npos);
  CHECK(slurp(vm.file("boots")) == "boot: -boot d -cdrom " + iso + "\nboot: -boot c\n");
  CHECK(slurp(vm.file("serial.log")).find("booted from disk as node " + id) != std::string::npos);
  const pid_t disk_pid = std::stoi(slurp(vm.file("qemu.pid")));
  CHECK(disk_pid != iso_pid);  // a new boot of the machine, not the installer's
  CHECK(running(disk_pid));
  WARN("power on -> phone-home " << phone_home_s << " s, -> active " << active_s
                                 << " s, -> disk boot started " << disk_boot_s
                                 << " s, -> back from its disk and reporting " << disk_s
                                 << " s (TCG, the test ISO)");

  // Retire: the declared BMC now belongs to the enrolled node; the VM is switched off.
  auto retire = c.admin("POST", "/api/v1/nodes/" + id + "/actions/retire");
  REQUIRE(retire.status == 200);
  INFO(retire.body.dump());
  REQUIRE(retire.body["power_operations"]["operations"].size() == 1);
  Json off =
      awaitOperation(c, id, retire.body["power_operations"]["operations"][0].get<std::string>());
  CHECK(off.value("result", "") == "ok");
  CHECK(off["reason"] == "retire");
  CHECK_FALSE(running(disk_pid));  // the VM is gone
  auto after = c.admin("GET", "/api/v1/nodes/" + id + "/power");
  CHECK(after.body["state"] == "off");
}
