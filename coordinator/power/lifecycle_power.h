// What the lifecycle asks of a node's BMC: a reprovision or a rescue boots the installer once
// and cycles the machine; a retire switches it off. Queued like an operator's operations and
// recorded in the node's power history with the action as their reason.
#pragma once

#include <string>

#include "common/json_fields.h"
#include "coordinator/inventory/inventory.h"

namespace photon::coordinator::power {

// The operations queued for `action` ("reprovision", "rescue", "retire"), as
// {"operations": [ids]}; null when the action needs none or the node has no BMC; {"error": …}
// when they could not be queued (the action itself stands).
common::Json powerForLifecycle(Inventory& inventory, const common::Node& node,
                               const std::string& action);

}  // namespace photon::coordinator::power
