// photonctl bgp ...: the fabric's BGP as the declaration describes it.
#pragma once

#include <string>
#include <vector>

#include "coordinator/ctl/commands.h"

namespace photon::ctl {

// `args` follow "bgp": router-config [--router ADDRESS] [--router-id ID] [--format bird].
// Returns the exit code as runCommand does.
int runBgpCommand(CtlContext& ctx, const std::vector<std::string>& args);

std::string bgpUsage();

}  // namespace photon::ctl
