#include "coordinator/placement/placement_metrics.h"

#include "common/prometheus_text.h"
#include "coordinator/placement/service_store.h"

namespace photon::coordinator::placement {

using common::appendHelp;
using common::appendMetric;

void appendPlacementMetrics(std::string& out, Inventory& inventory, Store& store) {
  ServiceStore services(inventory, store);
  auto states = services.loadStates();
  if (!states) return;
  appendHelp(out, "photon_placement_instances", "gauge",
             "Service instances by placement state (placed, healthy, lost, unplaced).");
  for (const auto& [name, stored] : *states) {
    auto counts = countInstances(stored.value);  // as the service's status counts them
    const std::string service = "service=\"" + name + "\",state=";
    appendMetric(out, "photon_placement_instances", service + "\"placed\"", counts.placed);
    appendMetric(out, "photon_placement_instances", service + "\"healthy\"", counts.healthy);
    appendMetric(out, "photon_placement_instances", service + "\"lost\"", counts.lost);
    appendMetric(out, "photon_placement_instances", service + "\"unplaced\"", counts.unplaced);
  }
}

}  // namespace photon::coordinator::placement
