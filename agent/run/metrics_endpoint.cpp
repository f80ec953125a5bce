#include "agent/run/metrics_endpoint.h"

#include "common/log.h"

namespace photon::agent {

common::Result<std::unique_ptr<MetricsEndpoint>> serveAgentMetrics(const std::string& listen,
                                                                   RunLoop& loop) {
  if (listen.empty()) return std::unique_ptr<MetricsEndpoint>();
  PHOTON_TRY(ListenAddress address, parseListenAddress(listen));
  auto endpoint = std::make_unique<MetricsEndpoint>();
  endpoint->metrics = std::make_shared<AgentMetrics>(PHOTON_VERSION);
  std::weak_ptr<AgentMetrics> weak = endpoint->metrics;
  loop.onPass([weak](const PassRecord& pass) {
    if (auto m = weak.lock()) m->record(pass);
  });
  auto metrics = endpoint->metrics;
  PHOTON_TRY(endpoint->listener,
             MetricsListener::start(address, [metrics] { return metrics->render(); }));
  bool loopback = address.host.starts_with("127.") || address.host == "::1";
  std::string where =
      (address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host) +
      ":" + std::to_string(endpoint->listener->port());
  if (loopback) {
    common::logNotice("metrics on http://" + where + "/metrics");
  } else {
    // The metrics name the node's services and VIPs: readable by whoever reaches the address.
    common::logWarning("metrics on http://" + where +
                       "/metrics, beyond loopback: firewall it to the scraper");
  }
  return endpoint;
}

}  // namespace photon::agent
