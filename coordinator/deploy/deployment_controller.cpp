#include "coordinator/deploy/deployment_controller.h"

#include "common/log.h"

namespace photon::coordinator {

void DeploymentController::tick() {
  auto changed = deployments_.tick();
  if (!changed) {
    common::logWarning("deployments: " + changed.error().message + ", retrying next round");
  } else if (*changed > 0) {
    common::logInfo("deployments: " + std::to_string(*changed) + " deployment(s) moved");
  }
}

}  // namespace photon::coordinator
