// photon-agent run --metrics-listen: the run loop's passes recorded into AgentMetrics and served
// by a MetricsListener. The wiring of main.cpp, kept out of it.
#pragma once

#include <memory>
#include <string>

#include "agent/run/agent_metrics.h"
#include "agent/run/metrics_listener.h"
#include "agent/run/run_loop.h"

namespace photon::agent {

struct MetricsEndpoint {
  std::shared_ptr<AgentMetrics> metrics;
  std::unique_ptr<MetricsListener> listener;
};

// Nothing (a null pointer) when `listen` is empty: metrics are off by default.
[[nodiscard]] common::Result<std::unique_ptr<MetricsEndpoint>> serveAgentMetrics(
    const std::string& listen, RunLoop& loop);

}  // namespace photon::agent
