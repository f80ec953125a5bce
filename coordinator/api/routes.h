// The REST API: each area registers its routes on the Router.
#pragma once

#include <atomic>
#include <chrono>

#include "coordinator/api/auth.h"
#include "coordinator/api/router.h"
#include "coordinator/control/leadership.h"
#include "coordinator/inventory/inventory.h"

namespace photon::coordinator {

struct ApiContext {
  Inventory& inventory;
  Authenticator& auth;
  HttpMetrics& metrics;
  LivenessTracker& liveness;
  // Long-poll bounds: at most this many requests wait at once (the rest answer at once), each
  // for at most max_wait.
  int max_waiters = 48;
  std::chrono::seconds max_wait{60};
  std::atomic<int> waiters{0};
  // Whether this coordinator runs the controllers (shown in /health and /metrics).
  const Leadership* leadership = nullptr;
};

void registerSystemRoutes(Router& router, ApiContext& ctx);
void registerEnrollmentRoutes(Router& router, ApiContext& ctx);
void registerNodeRoutes(Router& router, ApiContext& ctx);
void registerAgentRoutes(Router& router, ApiContext& ctx);
void registerClusterRoutes(Router& router, ApiContext& ctx);
void registerVmRoutes(Router& router, ApiContext& ctx);
void registerDeploymentRoutes(Router& router, ApiContext& ctx);

inline void registerAllRoutes(Router& router, ApiContext& ctx) {
  registerSystemRoutes(router, ctx);
  registerEnrollmentRoutes(router, ctx);
  registerNodeRoutes(router, ctx);
  registerAgentRoutes(router, ctx);
  registerClusterRoutes(router, ctx);
  registerVmRoutes(router, ctx);
  registerDeploymentRoutes(router, ctx);
}

// "{id}" from a route match, validated as a name.
common::Result<std::string> pathName(const httplib::Request& req, size_t index,
                                     const std::string& field);

// Sends `result`'s error and returns false, or returns true.
template <typename T>
bool okOrSend(const common::Result<T>& result, httplib::Response& res) {
  if (result) return true;
  sendError(res, result.error());
  return false;
}

// The node as the API shows it: its document plus liveness.
Json nodeView(ApiContext& ctx, const common::Node& node);

}  // namespace photon::coordinator
