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
  const int64_t now = inventory_.clock().nowSeconds();
  if (retention_.keep_s <= 0 ||
      (last_forget_ != 0 && now - last_forget_ < retention_.check_every_s)) {
    return;
  }
  last_forget_ = now;
  auto forgotten = deployments_.forgetFinished(now, retention_.keep_s);
  if (!forgotten) {
    common::logWarning("deployments: forgetting finished ones: " + forgotten.error().message +
                       ", retrying in " + std::to_string(retention_.check_every_s) + " s");
  }
}

}  // namespace photon::coordinator
