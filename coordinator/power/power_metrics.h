// Power control in /metrics, bounded whatever the fleet's size: nodes by power state, the BMC
// errors seen, the operations waiting.
#pragma once

#include <string>

#include "common/json_fields.h"
#include "coordinator/store/store.h"

namespace photon::coordinator::power {

void appendPowerMetrics(std::string& out, Store& store);
// A node view's "power": {state, error, checked_at}; null when the node has no power record.
common::Json powerSummary(Store& store, const std::string& target);

}  // namespace photon::coordinator::power
