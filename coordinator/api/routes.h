// The REST API: each area registers its routes on the Router.
#pragma once

#include <chrono>
#include <memory>

#include "coordinator/api/auth.h"
#include "coordinator/api/router.h"
#include "coordinator/control/leadership.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/node_certificates.h"

namespace photon::coordinator {

class LivenessSharing;
class VmService;

struct ApiContext {
  Inventory& inventory;
  // The coordinator's store, from its wiring: the routes of domains that keep keys of their own
  // (power, VMs, deployments) and the store's revision and counters.
  Store& store;
  Authenticator& auth;
  HttpMetrics& metrics;
  LivenessTracker& liveness;
  // The longest a long-poll (?wait=) is held. The edge holds any number of them without a
  // thread each; one per node at a time.
  std::chrono::seconds max_wait{60};
  // Whether this coordinator runs the controllers (shown in /health and /metrics).
  const Leadership* leadership = nullptr;
  // The nodes' client certificates (certificate_routes.cpp).
  NodeCertificates* certificates = nullptr;
  // Liveness shared between coordinators on etcd (/metrics); null when alone.
  const LivenessSharing* liveness_sharing = nullptr;
  // The VM service the coordinator feeds with the store's changes (placement shares it); the
  // VM routes make their own when none is set.
  std::shared_ptr<VmService> vms = nullptr;
};

void registerSystemRoutes(Router& router, ApiContext& ctx);
void registerEnrollmentRoutes(Router& router, ApiContext& ctx);
void registerNodeRoutes(Router& router, ApiContext& ctx);
void registerAgentRoutes(Router& router, ApiContext& ctx);
void registerClusterRoutes(Router& router, ApiContext& ctx);
void registerVmRoutes(Router& router, ApiContext& ctx);
void registerDeploymentRoutes(Router& router, ApiContext& ctx);
void registerCertificateRoutes(Router& router, ApiContext& ctx);

inline void registerAllRoutes(Router& router, ApiContext& ctx) {
  registerSystemRoutes(router, ctx);
  registerEnrollmentRoutes(router, ctx);
  registerNodeRoutes(router, ctx);
  registerAgentRoutes(router, ctx);
  registerClusterRoutes(router, ctx);
  registerVmRoutes(router, ctx);
  registerDeploymentRoutes(router, ctx);
  registerCertificateRoutes(router, ctx);
}

// The route's "{field}" segment, validated as a name.
common::Result<std::string> pathName(const HttpRequest& req, const std::string& field);

// The query parameter `name` as a whole number no larger than `max`; 0 when absent.
common::Result<int64_t> wholeParam(const HttpRequest& req, const std::string& name, int64_t max);

// Sends `result`'s error and returns false, or returns true.
template <typename T>
bool okOrSend(const common::Result<T>& result, HttpResponse& res) {
  if (result) return true;
  sendError(res, result.error());
  return false;
}

// The node as the API shows it: its document plus liveness.
Json nodeView(ApiContext& ctx, const common::Node& node);

}  // namespace photon::coordinator
