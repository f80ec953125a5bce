// photonctl's placement commands: services, service show|put|delete, allocations (where each
// instance runs and why a slot is unplaced), and drain --wait (follow a drain to its end).
#pragma once

#include <string>
#include <vector>

#include "coordinator/ctl/commands.h"

namespace photon::ctl {

// Whether `cmd` with `args` is one of these commands.
bool isServiceCommand(const std::string& cmd, const std::vector<std::string>& args);
// Returns the exit code: 0 done, 1 refused or failed (or a drain that did not finish), 2 usage.
int serviceCommand(CtlContext& ctx, const std::string& cmd, const std::vector<std::string>& args);

std::string serviceUsage();

}  // namespace photon::ctl
