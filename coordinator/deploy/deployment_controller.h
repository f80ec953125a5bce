// The Controller that moves running deployments along, one step per control round, and forgets
// finished ones past their retention. Everything it decides on is in the store, so a restarted
// (or newly elected) coordinator picks up where the last one stopped.
#pragma once

#include <atomic>
#include <cstdint>

#include "coordinator/control/controller.h"
#include "coordinator/deploy/deployments.h"

namespace photon::coordinator {

// How long a finished deployment (its header and every node's progress) is kept, and how often
// the leader looks for those past it. 0: kept for ever.
struct DeploymentRetention {
  int64_t keep_s = 14 * 86400;
  int64_t check_every_s = 600;
};

class DeploymentController final : public Controller {
 public:
  DeploymentController(Inventory& inventory, Store& store, DeploymentRetention retention = {})
      : inventory_(inventory), deployments_(inventory, store), retention_(retention) {}
  std::string name() const override { return "deployments"; }
  void tick() override;

 private:
  Inventory& inventory_;
  Deployments deployments_;
  DeploymentRetention retention_;
  int64_t last_forget_ = 0;  // when finished deployments were last looked for (0: never)
};

}  // namespace photon::coordinator
