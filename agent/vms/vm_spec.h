// The VM spec lives in common/api/vm_spec.h (the coordinator validates with it too); the agent's
// code names it from its own namespace.
#pragma once

#include "common/api/vm_spec.h"

namespace photon::agent {

using common::DiskSpec;
using common::isInsideImageDirs;
using common::NicSpec;
using common::parseVmSection;
using common::parseVmSpec;
using common::RestartPolicy;
using common::VmLimits;
using common::VmSpec;
using common::VmState;

}  // namespace photon::agent
