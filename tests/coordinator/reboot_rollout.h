// A deployment of a new kernel for the rollout's reboot tests (no store): mode boot, a reboot
// policy, hand-made reports of the two systems below.
#pragma once

#include <string>

#include "coordinator/deploy/rollout.h"

namespace photon::test {

inline const std::string kNewSystem = "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-system-new";
inline const std::string kOldSystem = "/nix/store/1c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-system-old";

inline coordinator::Deployment rebootDeployment(int nodes, int max_parallel,
                                                coordinator::RebootPolicy reboot,
                                                bool auto_revert) {
  coordinator::Deployment d;
  d.id = "d-1";
  d.spec.system = kNewSystem;
  d.spec.mode = common::ActivationMode::kBoot;
  d.spec.confirm_within_s = 30;
  d.max_parallel = max_parallel;
  d.auto_revert = auto_revert;
  d.node_timeout_s = 100;
  d.reboot = reboot;
  d.reboot_timeout_s = 300;
  for (int i = 0; i < nodes; ++i) {
    d.nodes.push_back(coordinator::NodeRollout{.id = "n" + std::to_string(i)});
  }
  return d;
}

}  // namespace photon::test
