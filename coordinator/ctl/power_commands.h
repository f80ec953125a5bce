// photonctl power …, boot-device …, bmc …: a node's BMC and what it is asked to do.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "coordinator/ctl/commands.h"

namespace photon::ctl {

// `args` follow "power": on|off|cycle|soft|status NODE [--no-wait] [--timeout S] [--refresh].
int runPowerCommand(CtlContext& ctx, const std::vector<std::string>& args);
// `args` follow "boot-device": NODE pxe|cdrom|disk [--no-wait] [--timeout S].
int runBootDeviceCommand(CtlContext& ctx, const std::vector<std::string>& args);
// `args` follow "bmc": set NODE --driver D --address A --username U [--password-file F] … |
// show NODE | delete NODE.
int runBmcCommand(CtlContext& ctx, const std::vector<std::string>& args);
// The POWER column of `photonctl nodes`: the state, "unknown!" when the BMC failed, "-" without
// a BMC.
std::string powerColumn(const nlohmann::json& node);
// A node view's "power_step" (the last lifecycle step's power operations) in words, with the
// command that retries it when it failed.
std::string powerStepText(const nlohmann::json& step, const std::string& node);

std::string powerUsage();

}  // namespace photon::ctl
