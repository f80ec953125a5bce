// Each sandboxed VM's own uid: allocated once, kept in its record, and taken by setpriv in its
// unit (the unit itself keeps only what setpriv needs).
#include <linux/capability.h>

#include <catch2/catch.hpp>

#include "agent/vms/vm_record.h"
#include "agent/vms/vm_unit_runner.h"

using namespace photon::agent;

TEST_CASE("vms sandbox: each VM gets the lowest uid of the range that no other VM holds",
          "[vms][sandbox]") {
  CHECK(freeVmUid({}, 1000, 4) == 1000u);
  CHECK(freeVmUid({1000, 1002}, 1000, 4) == 1001u);
  CHECK(freeVmUid({1000, 1001, 1002, 1003}, 1000, 4) == std::nullopt);
  CHECK(freeVmUid({5, 1001}, 1000, 2) == 1000u);

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
  CHECK(unit.user.empty());
  CHECK(unit.runtime_directory.empty());
  const uint64_t setpriv_needs =
      (1ULL << CAP_SETUID) | (1ULL << CAP_SETGID) | (1ULL << CAP_SETPCAP);
  CHECK(unit.capability_bounding_set == setpriv_needs);
  CHECK(unit.no_new_privileges);
  launch.groups = {107, 108};
  CHECK(setprivArgv(launch, "/s")[3] == "--groups=107,108");
}
