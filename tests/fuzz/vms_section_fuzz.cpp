// The desired document's "vms" section (common/api/vm_spec.cpp), with the node's limits as the
// agent checks them and without (as the coordinator does); accepted specs are written back to
// the VM's state file.
#include "common/api/vm_spec.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto text = fuzz::asText(data, size);
  uint8_t selector = fuzz::takeSelector(text);
  auto section = fuzz::parseSection(text);
  if (!section) return 0;
  common::VmLimits limits;
  if (selector & 1) limits.image_dirs = {"/var/lib/photon/images"};
  if (selector & 2) limits.node_memory_mib = 4096;
  if (selector & 4) limits.check_paths = false;
  auto vms = common::parseVmSection(*section, limits);
  if (!vms) return 0;
  for (const auto& vm : *vms) fuzz::mustDump(common::toJson(vm));
  return 0;
}
