#include "coordinator/deploy/deployment_metrics.h"

#include <map>

#include "common/error_context.h"
#include "common/prometheus_text.h"
#include "coordinator/deploy/deployments.h"

namespace photon::coordinator {

using common::appendHelp;
using common::appendMetric;

void appendDeploymentMetrics(std::string& out, Inventory& inventory, Store& store) {
  Deployments deployments(inventory, store);
  auto all = deployments.list(SIZE_MAX);
  if (!all) {
    common::ignoreError(all, "deployment metrics: list the deployments", "this scrape has none");
    return;
  }
  std::map<std::string, int> by_state;
  for (auto s :
       {DeploymentState::kRunning, DeploymentState::kReverting, DeploymentState::kSucceeded,
        DeploymentState::kFailed, DeploymentState::kCancelled}) {
    by_state[std::string(toString(s))] = 0;
  }
  std::map<std::string, int> nodes;
  for (const auto& d : *all) {
    ++by_state[std::string(toString(d.state))];
    if (isFinal(d.state)) continue;
    for (const auto& n : d.nodes) ++nodes[std::string(toString(n.status))];
  }
  appendHelp(out, "photon_deployments", "gauge", "Deployments by state.");
  for (const auto& [state, count] : by_state) {
    appendMetric(out, "photon_deployments", "state=\"" + state + "\"", count);
  }
  appendHelp(out, "photon_deployment_nodes", "gauge",
             "Nodes of running deployments by rollout status.");
  for (const auto& [status, count] : nodes) {
    appendMetric(out, "photon_deployment_nodes", "status=\"" + status + "\"", count);
  }
}

}  // namespace photon::coordinator
