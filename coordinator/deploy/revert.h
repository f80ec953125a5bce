// A failed deployment's revert (auto_revert): every node whose desired section it wrote gets its
// previous section back; a node that then needs a reboot to run it (its kernel changed back) is
// rebooted the way the rollout rebooted it, max_parallel at a time. Pure, like rollout.h.
#pragma once

#include <cstdint>

#include "coordinator/deploy/rollout.h"

namespace photon::coordinator {

void beginRevert(Deployment& d, RolloutStep& step, int64_t now);
void advanceReverting(Deployment& d, RolloutStep& step, const NodeLookup& lookup, int64_t now);
// Whether the revert's reboot steps (pending or under way) still hold the node.
bool revertRebootInFlight(RevertStatus status);

}  // namespace photon::coordinator
