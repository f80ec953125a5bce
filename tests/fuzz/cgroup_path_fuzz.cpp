// /proc/<pid>/cgroup of a unit's main process or a container's leader
// (agent/units/unit_cgroup.cpp): the kernel writes it, but a container names the cgroups below
// its delegated subtree, so the path is the container's. An exec health check is started in the
// directory it names: a path that passes must be clean and stay under the root it was checked
// against.
#include "agent/units/unit_cgroup.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::asText(data, size);
  auto path = agent::parseCgroup2Path(text);
  if (!path) return 0;
  if (path->empty() || path->front() != '/' || path->size() > agent::kMaxCgroupPath ||
      path->find("/../") != std::string::npos || path->ends_with("/..") ||
      path->find("//") != std::string::npos) {
    __builtin_trap();  // parseCgroup2Path promised a clean absolute path
  }
  const std::string root = "/system.slice/photon-web.service";
  if (agent::cgroupWithin(*path, root) && !(*path == root || path->starts_with(root + "/"))) {
    __builtin_trap();  // "within" must mean the unit's cgroup or below it
  }
  (void)agent::cgroupUnder("/sys/fs/cgroup", *path);
  return 0;
}
