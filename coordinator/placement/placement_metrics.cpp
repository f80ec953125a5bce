#include "coordinator/placement/placement_metrics.h"

#include "common/prometheus_text.h"
#include "coordinator/placement/service_store.h"

namespace photon::coordinator::placement {

using common::appendHelp;
using common::appendMetric;

void appendPlacementMetrics(std::string& out, Inventory& inventory) {
  ServiceStore services(inventory);
  auto states = services.loadStates();
  if (!states) return;
  appendHelp(out, "photon_placement_instances", "gauge",
             "Service instances by placement state (placed, healthy, lost, unplaced).");
  for (const auto& [name, stored] : *states) {
    int placed = 0, healthy = 0, lost = 0;
    for (const auto& a : stored.value.allocations) {
      if (a.lost) {
        ++lost;
        continue;
      }
      ++placed;
      if (a.health == "healthy") ++healthy;
    }
    const std::string service = "service=\"" + name + "\",state=";
    appendMetric(out, "photon_placement_instances", service + "\"placed\"", placed);
    appendMetric(out, "photon_placement_instances", service + "\"healthy\"", healthy);
    appendMetric(out, "photon_placement_instances", service + "\"lost\"", lost);
    appendMetric(out, "photon_placement_instances", service + "\"unplaced\"",
                 static_cast<double>(stored.value.unplaced.size()));
  }
}

}  // namespace photon::coordinator::placement
