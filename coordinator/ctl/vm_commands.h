// photonctl vm ...: the VMs of /api/v1/vms.
#pragma once

#include <string>
#include <vector>

#include "coordinator/ctl/commands.h"

namespace photon::ctl {

// `args` follow "vm": list | show NAME | put NAME FILE [--node N] | start|stop|reset NAME |
// delete NAME. Returns the exit code as runCommand does.
int runVmCommand(CtlContext& ctx, const std::vector<std::string>& args);

std::string vmUsage();

}  // namespace photon::ctl
