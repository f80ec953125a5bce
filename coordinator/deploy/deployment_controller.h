// The Controller that moves running deployments along, one step per control round. It holds no
// state of its own: everything is in the store, so a restarted (or newly elected) coordinator
// picks up where the last one stopped.
#pragma once

#include <atomic>
#include <cstdint>

#include "coordinator/control/controller.h"
#include "coordinator/deploy/deployments.h"

namespace photon::coordinator {

class DeploymentController final : public Controller {
 public:
  DeploymentController(Inventory& inventory, Store& store) : deployments_(inventory, store) {}
  std::string name() const override { return "deployments"; }
  void tick() override;

 private:
  Deployments deployments_;
};

}  // namespace photon::coordinator
