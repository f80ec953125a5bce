// The web console (/ui/) and the fleet watch it follows (GET /api/v1/watch). Registered by the
// coordinator server apart from registerAllRoutes so that routes.h is not touched.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "coordinator/api/routes.h"

namespace photon::coordinator {

// The console's static files with their security headers (docs/console.md).
void registerUiRoutes(Router& router);

// GET /api/v1/watch?since=REV&wait=N: held until the store moves past REV (docs/api.md).
void registerWatchRoutes(Router& router, ApiContext& ctx);

// The key the watch's held polls park on: the store's change listener adds it to a batch of
// changed keys when watchWakes() says the batch concerns the console.
inline constexpr std::string_view kWatchKey = "\x01watch";
bool watchWakes(const std::vector<std::string>& changed_keys);

}  // namespace photon::coordinator
