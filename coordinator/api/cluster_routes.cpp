#include "common/log.h"
#include "coordinator/api/routes.h"
#include "coordinator/power/bmc_records.h"

namespace photon::coordinator {

void registerClusterRoutes(Router& router, ApiContext& ctx) {
  router.put("/api/v1/cluster", [&ctx](const HttpRequest& req, HttpResponse& res) {
               if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
               auto body = common::parseJsonBody(req.body);
               if (!okOrSend(body, res)) return;
               auto cluster = common::clusterFromJson(*body);
               if (!okOrSend(cluster, res)) return;
               // Declared BMCs (nodes[].bmc) are checked here, where the declaration comes in.
               if (!okOrSend(power::checkDeclaredBmcs(*cluster), res)) return;
               auto revision = ctx.inventory.putCluster(*cluster);
               if (!okOrSend(revision, res)) return;
               common::logNotice("cluster declaration '" + cluster->name + "' applied at revision " +
                                 std::to_string(*revision));
               sendJson(res, 200, Json{{"name", cluster->name}, {"revision", *revision}});
             });

  router.get("/api/v1/cluster", [&ctx](const HttpRequest& req, HttpResponse& res) {
               if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
               auto cluster = ctx.inventory.cluster();
               if (!okOrSend(cluster, res)) return;
               Json out = common::toJson(*cluster);
               out["revision"] = ctx.inventory.store().revision();
               sendJson(res, 200, out);
             });
}

}  // namespace photon::coordinator
