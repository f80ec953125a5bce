// photonctl deploy / deployments / deployment show|cancel: start a rollout of a NixOS
// generation and follow it to its end, with a progress bar on a terminal and plain progress
// lines otherwise. The exit code says how it ended: 0 only when every node applied.
#pragma once

#include <string>
#include <vector>

#include "coordinator/ctl/commands.h"

namespace photon::ctl {

// args: what follows the command word. Returns the exit code.
int deployCommand(CtlContext& ctx, const std::vector<std::string>& args);
int deploymentsCommand(CtlContext& ctx, const std::vector<std::string>& args);
int deploymentCommand(CtlContext& ctx, const std::vector<std::string>& args);

std::string deployUsage();

}  // namespace photon::ctl
