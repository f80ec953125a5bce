// photonctl nodes history NODE: the node's last state changes, oldest first.
#pragma once

#include <string>

#include "coordinator/ctl/commands.h"

namespace photon::ctl {

int nodeHistoryCommand(CtlContext& ctx, const std::string& id);

}  // namespace photon::ctl
