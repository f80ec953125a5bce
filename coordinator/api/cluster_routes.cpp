#include "coordinator/api/routes.h"

namespace photon::coordinator {

void registerClusterRoutes(Router& router, ApiContext& ctx) {
  // PUT /api/v1/cluster applies the declaration's services too: cluster_apply_route.cpp, which
  // has the placement store.
  router.get("/api/v1/cluster", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto cluster = ctx.inventory.cluster();
    if (!okOrSend(cluster, res)) return;
    Json out = common::toJson(*cluster);
    out["revision"] = ctx.store.revision();
    sendJson(res, 200, out);
  });
}

}  // namespace photon::coordinator
