// The NICs of the current network namespace as rtnetlink reports them (libnl-route-3): name,
// MAC, link state and addresses. The loopback is left out; sysfs-only details (speed, driver)
// are filled in by readNicSysfs.
#pragma once

#include <vector>

#include "common/api/facts.h"
#include "common/result.h"

namespace photon::agent {

[[nodiscard]] common::Result<std::vector<common::NicFacts>> listNetworkInterfaces();

}  // namespace photon::agent
