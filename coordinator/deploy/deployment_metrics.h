// Deployment figures for /metrics, read from the store at scrape time (no counters to lose on a
// restart or a change of leader).
#pragma once

#include <string>

#include "coordinator/inventory/inventory.h"

namespace photon::coordinator {

// photon_deployments{state}, photon_deployment_nodes{status} (nodes of running deployments).
void appendDeploymentMetrics(std::string& out, Inventory& inventory, Store& store);

}  // namespace photon::coordinator
