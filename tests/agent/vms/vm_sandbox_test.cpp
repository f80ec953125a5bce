// Sandboxed VMs: each QEMU in photon-vm-<name>.service of a real systemd (booted in
// systemd-nspawn, tests/support/nspawn_container.h), as a uid of its own (no user record: setpriv
// in the unit), under QEMU's seccomp sandbox, and adopted after an agent restart through its unit.
// The reconciler runs on the host and drives the container's systemd over its bus; the test's
// directory is bind-mounted at the same path, so QEMU inside and the agent outside name the same
// files and sockets.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "agent/units/sd_systemd_bus.h"
#include "agent/vms/qmp_channel.h"
#include "agent/vms/vm_unit_runner.h"
#include "tests/agent/vms/vm_test_steps.h"
#include "tests/support/nspawn_container.h"

using namespace photon::agent;
using namespace photon::test;
using photon::common::Json;
using namespace std::chrono_literals;

namespace {

// The value of one "Key:\t..." line of /proc/<pid>/status.
std::string statusField(int pid, const std::string& key) {
  std::istringstream in(readText("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      auto v = line.substr(key.size() + 1);
      auto at = v.find_first_not_of(" \t");
      return at == std::string::npos ? std::string() : v.substr(at);  // "Groups:" may be empty
    }
  }
  return "";
}

constexpr uint32_t kUid = 0x50000;  // the first VM's uid: the sandbox's uid_base

struct SandboxWorld {
  VmWorld vms{vmGuestDir()};
  NspawnContainer container;
  std::shared_ptr<SystemdBus> bus;

  SandboxWorld()
      : container({.rootfs = ensureNspawnRootfs(PHOTON_SOURCE_DIR, PHOTON_BUILD_DIR, "qemu",
                                                {"qemu-system-x86"}),
                   .name = "photon-vm-sandbox",
                   .extra_args = {"--bind=" + vms.tmp.path(), "--bind-ro=" + vms.guest}}) {
    // QEMU's uid traverses the test's directory to reach hot-plugged disks.
    ::chmod(vms.tmp.path().c_str(), 0711);
    auto connected = connectSystemdBus(container.busAddress());
    if (!connected) throw std::runtime_error("bus: " + connected.error().message);
    bus = std::move(*connected);
  }

  VmOptions options() {
    VmOptions o = vms.options();
    o.runner =
        makeVmUnitRunner(bus, {.local_pid = [this](pid_t p) { return container.hostPid(p); }});
    o.sandbox.enabled = true;
    o.sandbox.uid_base = kUid;
    o.sandbox.runtime_root_local = container.root() + "/run/photon-vm";
    o.qemu.binary = "/usr/bin/qemu-system-x86_64";  // the container's
    return o;
  }
};

}  // namespace

TEST_CASE(
    "vms sandbox: QEMU in its own unit as its own user, hot-plug, adoption through the unit, "
    "exec stopped by seccomp",
    "[vms][sandbox][integration]") {
  SandboxWorld world;
  Json vm = world.vms.vm("s1");
  vm["disks"] = Json::array({{{"id", "d0"}, {"image", "d0.qcow2"}, {"size_gib", 1}}});
  Json section = Json::array({vm});
  int pid = 0;
  {
    auto reconciler = makeVmReconciler(world.options());
    Json s1 = reconcileUntil(*reconciler, section, "s1",
                             [](const Json& v) { return v["status"] == "running"; });
    INFO(s1.dump());
    pid = s1["pid"];
    REQUIRE(pid > 0);
    std::string console = world.vms.console("s1");
    size_t at = waitForText(console, "photon-guest: block=vda, net=lo,");
    REQUIRE(at != std::string::npos);

    // Its user (all four uids: real, effective, saved, fs), no capabilities, its own seccomp
    // filter, its unit's cgroup.
    std::string uids = statusField(pid, "Uid");
    INFO("Uid: " << uids);
    std::string u = std::to_string(kUid);
    CHECK(uids == u + "\t" + u + "\t" + u + "\t" + u);
    CHECK(statusField(pid, "Gid").rfind(u + "\t", 0) == 0);
    CHECK(statusField(pid, "Seccomp") == "2");
    CHECK(statusField(pid, "CapEff") == "0000000000000000");
    CHECK(statusField(pid, "CapBnd") == "0000000000000000");
    CHECK(statusField(pid, "Groups").empty());
    CHECK(readText("/proc/" + std::to_string(pid) + "/cgroup").find("/photon-vm-s1.service\n") !=
          std::string::npos);
    auto unit = world.bus->unitState("photon-vm-s1.service");
    REQUIRE(unit);
    CHECK(unit->active_state == "active");
    CHECK(unit->memory_max == std::optional<uint64_t>((128 + 256) << 20));
    CHECK(unit->tasks_max == std::optional<uint64_t>(1 + 128));
    // Its disk and its socket directory are its user's; the QMP socket is reachable only
    // through that 0700 directory.
    std::string run_dir = world.container.root() + "/run/photon-vm/s1";
    struct stat st {};
    REQUIRE(::stat(run_dir.c_str(), &st) == 0);
    CHECK(st.st_uid == kUid);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(std::filesystem::exists(run_dir + "/qmp.sock"));
    std::string d0 = world.vms.tmp.path() + "/images/d0.qcow2";
    REQUIRE(::stat(d0.c_str(), &st) == 0);
    CHECK(st.st_uid == kUid);
    CHECK((st.st_mode & 0777) == 0600);
    // Another VM's uid (the next one) cannot read it; this VM's uid can (the check can fail).
    auto readAs = [&](uint32_t uid) {
      auto id = std::to_string(uid);
      return world.container.run({"/usr/bin/setpriv", "--reuid=" + id, "--regid=" + id,
                                  "--clear-groups", "/usr/bin/head", "-c", "1", d0});
    };
    CHECK(readAs(kUid + 1) != 0);
    CHECK(readAs(kUid) == 0);

    // Hot-plug: QEMU opens the new disk as its uid, so it is handed to that uid first.
    vm["disks"].push_back({{"id", "d1"}, {"image", "d1.raw"}, {"format", "raw"}, {"size_gib", 1}});
    vm["nics"].push_back({{"id", "n1"}, {"mac", "52:54:00:12:34:57"}, {"user", true}});
    section = Json::array({vm});
    Json seen = *findVm(reconciler->reconcile(section), "s1");
    INFO(seen.dump());
    CHECK(!seen.contains("error"));
    CHECK(has(seen["devices"], "d1"));
    CHECK(has(seen["devices"], "n1"));
    at = waitForText(console, "photon-guest: block=vda,vdb, net=eth0,lo,", at);
    CHECK(at != std::string::npos);
    REQUIRE(::stat((world.vms.tmp.path() + "/images/d1.raw").c_str(), &st) == 0);
    CHECK(st.st_uid == kUid);
    reconciler->shutdown();
  }  // the agent "exits"; QEMU keeps running in its unit

  // Adoption through the unit, not the state file's pid: that pid is wiped first.
  auto state_file = world.vms.tmp.path() + "/state/vms/s1/vm.json";
  Json record = Json::parse(readText(state_file));
  record["pid"] = 0;
  std::ofstream(state_file) << record.dump();
  {
    auto second = makeVmReconciler(world.options());
    Json adopted = *findVm(second->reconcile(section), "s1");
    INFO(adopted.dump());
    CHECK(adopted["status"] == "running");
    CHECK(adopted["pid"] == pid);
    CHECK(adopted["restarts"] == 0);
    CHECK(has(adopted["devices"], "d1"));

    // A crash (SIGKILL) leaves the unit failed; the restart resets it and starts a new one.
    REQUIRE(::kill(pid, SIGKILL) == 0);
    Json restarted = reconcileUntil(*second, section, "s1", [&](const Json& v) {
      return v["status"] == "running" && v["pid"] != pid && v["pid"] != 0;
    });
    CHECK(restarted["restarts"] == 1);
    CHECK(has(restarted["devices"], "d1"));
    pid = restarted["pid"];
    CHECK(readText("/proc/" + std::to_string(pid) + "/cgroup").find("/photon-vm-s1.service\n") !=
          std::string::npos);
    second->shutdown();  // frees QMP (one client at a time) for the escape attempt below
  }

  // A QEMU told to run a program (a bridge helper, here a script that leaves a mark): the
  // sandbox kills it at the fork (SIGSYS) and the program never runs.
  std::string mark_dir = world.vms.tmp.path() + "/mark";
  std::filesystem::create_directories(mark_dir);
  ::chmod(mark_dir.c_str(), 0777);
  std::string helper = world.vms.tmp.write("helper.sh", "#!/bin/sh\ntouch " + mark_dir + "/ran\n");
  ::chmod(helper.c_str(), 0755);
  Json escape = {{"type", "bridge"}, {"id", "x"}, {"br", "br0"}, {"helper", helper}};
  {
    auto qmp =
        makeUnixQmpConnector(5s)->connect(world.container.root() + "/run/photon-vm/s1/qmp.sock");
    REQUIRE(qmp);
    (void)(*qmp)->execute("netdev_add", escape);  // no reply: QEMU is gone
  }
  auto runner = makeVmUnitRunner(
      world.bus, {.local_pid = [&](pid_t p) { return world.container.hostPid(p); }});
  VmProcessStatus after;
  for (int i = 0; i < 100; ++i) {
    after = runner->status("s1", 0);
    if (!after.alive) break;
    std::this_thread::sleep_for(50ms);
  }
  CHECK(!after.alive);
  CHECK(after.exit_known);
  CHECK(after.signal == SIGSYS);
  std::this_thread::sleep_for(300ms);
  CHECK(!std::filesystem::exists(mark_dir + "/ran"));

  // The same request to a QEMU without the sandbox runs the program: the check above can fail.
  std::string sock = world.vms.tmp.path() + "/control.sock";
  auto plain = makeVmProcessRunner();
  auto control =
      plain->spawn({.name = "control",
                    .argv = {"qemu-system-x86_64", "-machine", "none", "-nodefaults", "-display",
                             "none", "-qmp", "unix:" + sock + ",server=on,wait=off"},
                    .log_path = world.vms.tmp.path() + "/control.log"});
  REQUIRE(control);
  for (int i = 0; i < 100 && !std::filesystem::exists(sock); ++i) std::this_thread::sleep_for(20ms);
  {
    auto qmp = makeUnixQmpConnector(5s)->connect(sock);
    REQUIRE(qmp);
    (void)(*qmp)->execute("netdev_add", escape);  // fails (no fd from the helper), after it ran
  }
  CHECK(std::filesystem::exists(mark_dir + "/ran"));
  (void)plain->kill(*control, SIGKILL);
  (void)plain->status("control", *control);
}
