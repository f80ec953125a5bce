#include "coordinator/power/lifecycle_power.h"

#include "coordinator/power/bmc_records.h"
#include "coordinator/power/power_records.h"

namespace photon::coordinator::power {

common::Json powerForLifecycle(Inventory& inventory, const common::Node& node,
                               const std::string& action) {
  if (action != "reprovision" && action != "rescue" && action != "retire") return nullptr;
  auto cluster = inventory.clusterOrEmpty();
  if (!cluster) return common::Json{{"error", cluster.error().message}};
  auto bmc = findBmc(inventory.store(), *cluster, node.id, &node);
  if (!bmc) {
    if (bmc.error().code == common::ErrorCode::kNotFound) return nullptr;
    return common::Json{{"error", bmc.error().message}};
  }
  std::vector<PowerJob> jobs;
  if (action == "retire") {
    jobs.push_back(PowerJob{node.id, "", PowerJob::Kind::kPower, PowerAction::kOff, {}, action});
  } else {
    jobs.push_back(PowerJob{node.id, "", PowerJob::Kind::kBoot, {}, bmc->installer, action});
    jobs.push_back(PowerJob{node.id, "", PowerJob::Kind::kPower, PowerAction::kCycle, {}, action});
  }
  auto ids = requestOperations(inventory.store(), node.id, std::move(jobs),
                               inventory.clock().nowSeconds());
  if (!ids) return common::Json{{"error", ids.error().message}};
  return common::Json{{"operations", *ids}};
}

}  // namespace photon::coordinator::power
