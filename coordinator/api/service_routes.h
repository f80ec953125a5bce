// The services API (placement's front door). Registered by CoordinatorServer next to the other
// routes, with the placement store it shares with the placement controller.
#pragma once

#include "coordinator/api/routes.h"
#include "coordinator/placement/service_store.h"

namespace photon::coordinator {

void registerServiceRoutes(Router& router, ApiContext& ctx, placement::ServiceStore& services);
// PUT /api/v1/cluster: the declaration and its services (registered by registerServiceRoutes).
void registerClusterApplyRoute(Router& router, ApiContext& ctx, placement::ServiceStore& services);

}  // namespace photon::coordinator
