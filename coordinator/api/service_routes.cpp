// Services for placement: PUT|GET|DELETE /api/v1/services/{name}, GET /api/v1/services, and
// GET /api/v1/services/{name}/allocations (where each instance is, and why a slot is unplaced).
#include "coordinator/api/service_routes.h"

#include "common/log.h"

namespace photon::coordinator {

void registerServiceRoutes(Router& router, ApiContext& ctx, placement::ServiceStore& services) {
  registerClusterApplyRoute(router, ctx, services);
  router.get("/api/v1/services", [&ctx, &services](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto list = services.list();
    if (!okOrSend(list, res)) return;
    sendJson(res, 200, *list);
  });

  router.put("/api/v1/services/{name}",
             [&ctx, &services](const HttpRequest& req, HttpResponse& res) {
               if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
               auto name = pathName(req, "name");
               if (!okOrSend(name, res)) return;
               auto body = common::parseJsonBody(req.body);
               if (!okOrSend(body, res)) return;
               auto put = services.put(*name, *body);
               if (!okOrSend(put, res)) return;
               common::logNotice("service " + *name + (put->created ? " created" : " updated") +
                                 " at revision " + std::to_string(put->revision));
               sendJson(res, put->created ? 201 : 200,
                        Json{{"name", *name},
                             {"revision", put->revision},
                             {"instance_revision", placement::instanceRevision(put->spec)},
                             {"warnings", put->warnings}});
             });

  router.get("/api/v1/services/{name}",
             [&ctx, &services](const HttpRequest& req, HttpResponse& res) {
               if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
               auto name = pathName(req, "name");
               if (!okOrSend(name, res)) return;
               auto shown = services.show(*name);
               if (!okOrSend(shown, res)) return;
               sendJson(res, 200, *shown);
             });

  router.del("/api/v1/services/{name}",
             [&ctx, &services](const HttpRequest& req, HttpResponse& res) {
               if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
               auto name = pathName(req, "name");
               if (!okOrSend(name, res)) return;
               auto revision = services.remove(*name);
               if (!okOrSend(revision, res)) return;
               common::logNotice("service " + *name + " deleted");
               sendJson(res, 200, Json{{"deleted", *name}, {"revision", *revision}});
             });

  router.get("/api/v1/services/{name}/allocations",
             [&ctx, &services](const HttpRequest& req, HttpResponse& res) {
               if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
               auto name = pathName(req, "name");
               if (!okOrSend(name, res)) return;
               auto allocations = services.allocations(*name);
               if (!okOrSend(allocations, res)) return;
               sendJson(res, 200, *allocations);
             });
}

}  // namespace photon::coordinator
