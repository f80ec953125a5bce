// The VM spec as the coordinator checks it (check_paths off): it cannot know the node's image
// directories, so paths are judged lexically only; everything else as the agent judges it
// (tests/agent/vms/vm_spec_test.cpp covers that mode in full).
#include "common/api/vm_spec.h"

#include <catch2/catch.hpp>

using namespace photon::common;

namespace {
VmLimits coordinatorLimits() {
  VmLimits limits;
  limits.check_paths = false;
  return limits;
}

Json vm() {
  return Json::parse(R"({"name": "web", "memory_mib": 512, "kernel": "/srv/images/vmlinuz",
    "disks": [{"id": "root", "image": "web.qcow2"}, {"id": "data", "path": "/srv/data.raw"}],
    "nics": [{"id": "n0", "mac": "52:54:00:AA:BB:01", "user": true}]})");
}
}  // namespace

TEST_CASE("vm spec, coordinator mode: any absolute path without '..', image names kept", "[vms]") {
  auto spec = parseVmSpec(vm(), "", coordinatorLimits());
  REQUIRE(spec);
  CHECK(spec->disks[0].path == "web.qcow2");
  CHECK(spec->disks[1].path == "/srv/data.raw");
  CHECK(spec->nics[0].mac == "52:54:00:aa:bb:01");
  // The agent's mode refuses the same paths outside its image directories.
  CHECK_FALSE(parseVmSpec(vm(), "", VmLimits{{"/var/lib/photon/images"}, 0}));

  auto field = [](Json j) {
    auto r = parseVmSpec(j, "", coordinatorLimits());
    REQUIRE_FALSE(r);
    return r.error().field;
  };
  Json bad = vm();
  bad["kernel"] = "relative/vmlinuz";
  CHECK(field(bad) == "kernel");
  bad = vm();
  bad["disks"][1]["path"] = "/srv/../etc/shadow";
  CHECK(field(bad) == "disks[1].path");
  bad = vm();
  bad["disks"][0]["image"] = "a/b.qcow2";
  CHECK(field(bad) == "disks[0].image");
}
