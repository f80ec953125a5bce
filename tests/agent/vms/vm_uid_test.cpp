// Each sandboxed VM's own uid: allocated once, kept in its record, and taken by setpriv in its
// unit (the unit itself keeps only what setpriv needs).
#include <linux/capability.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "agent/vms/vm_record.h"
#include "agent/vms/vm_uids.h"
#include "agent/vms/vm_unit_runner.h"
#include "tests/agent/vms/fake_vm_adapters.h"
#include "tests/agent/vms/qemu_fixture.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::common::Json;

TEST_CASE("vms sandbox: the uid counter only grows and wraps only past every uid in use",
          "[vms][sandbox]") {
  CHECK(nextVmUid({}, 1000, 4, 1000) == 1000u);
  // A uid given back below the counter is not handed out again before the range's end.
  CHECK(nextVmUid({1000}, 1000, 4, 1002) == 1002u);
  CHECK(nextVmUid({1002, 1003}, 1000, 4, 1002) == 1000u);  // past the end: wraps to a free one
  CHECK(nextVmUid({1000, 1001, 1002, 1003}, 1000, 4, 1001) == std::nullopt);
  CHECK(nextVmUid({}, 1000, 4, 1004) == 1000u);  // a counter past the range wraps
  CHECK(nextVmUid({}, 1000, 4, 5) == 1000u);     // and one below it starts at the base
  CHECK(nextVmUid({}, 1000, 0, 1000) == std::nullopt);

  photon::test::TempDir tmp;
  const std::string counter = tmp.path() + "/vm-uid-next";
  // No counter yet (an agent from before it): it starts past every uid in use.
  CHECK(allocateVmUid(counter, {1001}, 1000, 8) == 1002u);
  CHECK(allocateVmUid(counter, {}, 1000, 8) == 1003u);  // 1001 went; its uid does not come back
  std::ofstream(counter) << "garbage";
  auto damaged = allocateVmUid(counter, {}, 1000, 8);
  REQUIRE_FALSE(damaged);
  CHECK_THAT(damaged.error().message, Catch::Contains("fix or remove it"));

  VmRecord r;
  r.uid = 327681;
  auto back = parseVmRecord(toJson(r));
  REQUIRE(back);
  CHECK(back->uid == 327681u);
  // A record from before per-VM uids has none: the next start allocates one.
  auto old = parseVmRecord(photon::common::Json{{"pid", 7}});
  REQUIRE(old);
  CHECK(old->uid == 0u);
}

TEST_CASE("vms sandbox: the unit exec's QEMU through setpriv as the VM's uid with no capability",
          "[vms][sandbox]") {
  VmLaunch launch;
  launch.name = "a";
  launch.argv = {"/usr/bin/qemu-system-x86_64", "-nodefaults"};
  launch.uid = launch.gid = 327680;
  auto unit = vmUnit(launch, "/usr/bin/setpriv");
  CHECK(unit.exec_start == std::vector<std::string>{"/usr/bin/setpriv", "--reuid=327680",
                                                    "--regid=327680", "--clear-groups",
                                                    "--inh-caps=-all", "--bounding-set=-all", "--",
                                                    "/usr/bin/qemu-system-x86_64", "-nodefaults"});
  // What the unit sets against TransientUnit's defaults: systemd never restarts it (the VM's
  // restart policy does), and only /dev/kvm and /dev/net/tun of the devices are open to it.
  CHECK(unit.restart == "no");
  CHECK(unit.device_policy == "closed");
  CHECK(unit.device_allow == std::vector<std::pair<std::string, std::string>>{
                                 {"/dev/kvm", "rw"}, {"/dev/net/tun", "rw"}});
  CHECK(unit.protect_system == "full");
  const uint64_t setpriv_needs =
      (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID) | (1ULL << CAP_SETPCAP);
  CHECK(unit.capability_bounding_set == setpriv_needs);
  CHECK(unit.no_new_privileges);
  launch.groups = {107, 108};
  CHECK(setprivArgv(launch, "/s")[3] == "--groups=107,108");
}

namespace {

// A sandboxed reconciler over the fake QEMUs: the real uid allocation and disk ownership, as
// root, without QEMU or systemd.
struct FakeSandbox {
  photon::test::TempDir tmp;
  std::shared_ptr<photon::test::FakeQemus> qemus = std::make_shared<photon::test::FakeQemus>();

  VmOptions options(bool sandboxed = true) const {
    VmOptions o;
    o.state_dir = tmp.path() + "/state";
    o.limits = {{tmp.path() + "/images"}, 8192};
    o.qemu.accel = "tcg";
    o.qmp_ready_timeout = std::chrono::seconds(2);
    o.runner = std::make_shared<photon::test::FakeVmRunner>(qemus);
    o.connector = std::make_shared<photon::test::FakeQmpConnector>(qemus);
    o.sandbox.enabled = sandboxed;
    o.sandbox.uid_base = 0x50000;
    o.sandbox.runtime_root = tmp.path() + "/run";
    return o;
  }
  // A disk image as an operator leaves it: root's, readable by all.
  std::string disk(const std::string& name) const {
    std::string path = tmp.path() + "/images/" + name;
    std::filesystem::create_directories(tmp.path() + "/images");
    std::ofstream(path) << "disk";
    ::chmod(path.c_str(), 0644);
    return path;
  }
  static photon::common::Json vm(const std::string& name, const std::vector<std::string>& disks) {
    photon::common::Json j = {{"name", name}, {"memory_mib", 128}, {"disks", Json::array()}};
    for (const auto& d : disks) j["disks"].push_back({{"id", d}, {"image", d + ".raw"}});
    return j;
  }
  uint32_t launchedUid(const std::string& name) const { return qemus->by_name.at(name).launch.uid; }
};

struct stat statOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st;
}

// Reconciles `section` until VM `name` is no longer reported (bounded).
bool reconcileUntilGone(Reconciler& r, const Json& section, const std::string& name) {
  for (int round = 0; round < 10; ++round) {
    Json out = r.reconcile(section);
    if (!photon::test::findVm(out, name)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE(
    "vms sandbox: a forgotten VM's uid is not handed to the next VM and its disks go back to root",
    "[vms][sandbox][integration]") {
  FakeSandbox world;
  const std::string disk_a = world.disk("a0.raw");
  world.disk("b0.raw");
  uint32_t uid_a = 0;
  {
    VmReconciler r(world.options());
    Json out = r.reconcile(Json::array({FakeSandbox::vm("a", {"a0"})}));
    INFO(out.dump());
    REQUIRE(world.qemus->by_name.count("a"));
    uid_a = world.launchedUid("a");
    CHECK(uid_a == 0x50000u);
    CHECK(statOf(disk_a).st_uid == uid_a);
    CHECK((statOf(disk_a).st_mode & 0777) == 0600);

    // A leaves the section: powered down, then forgotten.
    REQUIRE(reconcileUntilGone(r, Json::array(), "a"));
    CHECK_FALSE(std::filesystem::exists(world.tmp.path() + "/state/vms/a"));
  }
  // Its disk is root's again, so whoever gets its uid one day cannot open it.
  CHECK(statOf(disk_a).st_uid == 0u);
  CHECK(statOf(disk_a).st_gid == 0u);
  CHECK((statOf(disk_a).st_mode & 0777) == 0600);

  // The next VM, even from a restarted agent with no VM left to remember A by, gets a new uid.
  VmReconciler r(world.options());
  Json out = r.reconcile(Json::array({FakeSandbox::vm("b", {"b0"})}));
  INFO(out.dump());
  REQUIRE(world.qemus->by_name.count("b"));
  CHECK(world.launchedUid("b") != uid_a);
  CHECK(world.launchedUid("b") == uid_a + 1);
}

TEST_CASE(
    "vms sandbox: a disk hot-plugged into a VM adopted from before per-VM uids is refused with "
    "what to do",
    "[vms][sandbox][integration]") {
  FakeSandbox world;
  // Started by an agent before per-VM uids (here: unsandboxed), so its record has no uid.
  {
    VmReconciler before(world.options(false));
    Json out = before.reconcile(Json::array({FakeSandbox::vm("old", {})}));
    INFO(out.dump());
    REQUIRE(world.qemus->by_name.count("old"));
    REQUIRE(world.qemus->by_name.at("old").alive);
  }
  const std::string disk = world.disk("d1.raw");
  VmReconciler r(world.options());
  world.qemus->commands.clear();
  Json out = r.reconcile(Json::array({FakeSandbox::vm("old", {"d1"})}));
  INFO(out.dump());
  const Json* old = photon::test::findVm(out, "old");
  REQUIRE(old);
  CHECK((*old)["status"] == "running");  // adopted, not restarted
  REQUIRE(old->contains("error"));
  CHECK_THAT(
      (*old)["error"].get<std::string>(),
      Catch::Contains("add-disk d1") && Catch::Contains("restart the VM to give it its own uid"));
  // Nothing reached QEMU and the disk was not handed to root 0600.
  for (const auto& c : world.qemus->commands) CHECK(c.find("blockdev-add") == std::string::npos);
  CHECK((statOf(disk).st_mode & 0777) == 0644);
}

TEST_CASE("vms sandbox: QEMU gets the kvm group, and a node without one is told what to do",
          "[vms][sandbox]") {
  auto with = qemuGroups([](const std::string& name) -> std::optional<uint32_t> {
    if (name == "kvm") return 108;
    return std::nullopt;
  });
  CHECK(with.groups == std::vector<uint32_t>{108});
  CHECK(with.warning.empty());
  auto without = qemuGroups([](const std::string&) -> std::optional<uint32_t> { return {}; });
  CHECK(without.groups.empty());
  CHECK_THAT(without.warning, Catch::Contains("no group kvm") && Catch::Contains("/dev/kvm") &&
                                  Catch::Contains("create a kvm group"));
}

namespace {
std::string plainFile(const photon::test::TempDir& tmp, const std::string& name) {
  const std::string path = tmp.path() + "/" + name;
  std::ofstream(path) << "disk";
  ::chmod(path.c_str(), 0644);
  return path;
}
}  // namespace

TEST_CASE(
    "vms sandbox: a disk named through a symbolic link is refused and the link's target stays "
    "root's",
    "[vms][sandbox][integration]") {
  photon::test::TempDir tmp;
  const std::string target = plainFile(tmp, "shadow");
  const std::string link = tmp.path() + "/disk.raw";
  std::filesystem::create_symlink(target, link);
  constexpr uint32_t kUid = 0x50007;

  auto owned = ownDiskFile(link, kUid);
  REQUIRE_FALSE(owned);
  CHECK_THAT(owned.error().message, Catch::Contains("symbolic link"));
  CHECK(statOf(target).st_uid == 0u);
  CHECK((statOf(target).st_mode & 0777) == 0644);
  // Forgetting a VM that named it is not held up by the link either.
  CHECK(disownDisk(link, kUid));

  const std::string real = plainFile(tmp, "real.raw");
  REQUIRE(ownDiskFile(real, kUid));
  CHECK(statOf(real).st_uid == kUid);
  CHECK((statOf(real).st_mode & 0777) == 0600);
}

TEST_CASE("vms sandbox: the disks a VM's record names that its next boot does not go back to root",
          "[vms][sandbox][integration]") {
  photon::test::TempDir tmp;
  constexpr uint32_t kUid = 0x50008;
  VmRecord record;
  record.uid = kUid;
  VmSpec booted;
  booted.disks = {DiskSpec{.id = "a", .path = plainFile(tmp, "a.raw")},
                  DiskSpec{.id = "b", .path = plainFile(tmp, "b.raw")}};
  record.booted = booted;
  const std::string hot = plainFile(tmp, "c.raw");
  record.attached["c"] = Json{{"id", "c"}, {"path", hot}};
  CHECK(recordedDisks(record) ==
        std::set<std::string>{booted.disks[0].path, booted.disks[1].path, hot});
  for (const auto& path : recordedDisks(record)) REQUIRE(ownDiskFile(path, kUid));

  // The next boot keeps only disk a: b (left the spec) and c (hot-plugged, not re-declared) are
  // forgotten by the record, so they are root's again first.
  REQUIRE(disownDroppedDisks(record, {booted.disks[0].path}));
  CHECK(statOf(booted.disks[0].path).st_uid == kUid);
  CHECK(statOf(booted.disks[1].path).st_uid == 0u);
  CHECK(statOf(hot).st_uid == 0u);
  CHECK((statOf(hot).st_mode & 0777) == 0600);
}
