// What the lifecycle asks of a node's BMC: a reprovision or a rescue boots the installer once
// and cycles the machine; a retire switches it off. Queued like an operator's operations and
// recorded in the node's power history with the action as their reason.
//
// Which operations a lifecycle step queued is kept beside them (power-lifecycle/<node>), so that
// the node can show the step's outcome: a BMC that failed the step is a condition of the node,
// with the BMC's error, until an operator retries it (or the next step replaces it).
#pragma once

#include <string>

#include "common/json_fields.h"
#include "coordinator/inventory/inventory.h"

namespace photon::coordinator::power {

// The operations queued for `action` ("reprovision", "rescue", "retire", and "installed": the
// install ended, the machine boots its disk from now on and is cycled into it), as
// {"operations": [ids]}; null when the action needs none or the node has no BMC; {"error": …}
// when they could not be queued (the action itself stands).
common::Json powerForLifecycle(Inventory& inventory, Store& store, const common::Node& node,
                               const std::string& action);

// After an agent's report: a node `before` it was installing and is active now has finished its
// install on the installer's live system; with a BMC, it is sent to its disk (powerForLifecycle
// "installed"). Logged, never failing the report: the step shows on the node when it fails.
void afterObserved(Inventory& inventory, Store& store, const common::Node& before);

// The node's last lifecycle power step and how it went, for the node's view:
// {"action", "operations", "requested_at", "result": "pending"|"ok"|"failed"} and, when it
// failed, "operation" (the first that failed), "op" ("cycle", "boot:cdrom", …) and "error" (the
// BMC's words). Null when no lifecycle step asked the node's BMC for anything, or when the node
// has left the state that step's action moved it to.
common::Json lifecyclePowerStep(Store& store, const common::Node& node);

// Queues the node's failed lifecycle step again (the same action's operations, the BMC as it is
// configured now); returns {"action", "operations"}. 409 when its last step did not fail or the
// node has left that step's state (a retried reprovision must not cycle an active machine).
[[nodiscard]] common::Result<common::Json> retryLifecyclePower(Inventory& inventory, Store& store,
                                                               const common::Node& node);

}  // namespace photon::coordinator::power
