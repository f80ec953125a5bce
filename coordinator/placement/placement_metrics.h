// Placement's figures for /metrics, read from what the controller stored: per service, the
// instances placed, healthy, lost (their node went missing) and unplaced.
#pragma once

#include <string>

#include "coordinator/inventory/inventory.h"

namespace photon::coordinator::placement {

void appendPlacementMetrics(std::string& out, Inventory& inventory, Store& store);

}  // namespace photon::coordinator::placement
