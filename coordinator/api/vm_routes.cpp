// /api/v1/vms: the operator's VMs, placed on nodes by coordinator/vms/.
#include <memory>

#include "common/log.h"
#include "coordinator/api/routes.h"
#include "coordinator/vms/vm_service.h"

namespace photon::coordinator {

void registerVmRoutes(Router& router, ApiContext& ctx) {
  // Shared by the handlers, alive as long as they are.
  auto vms = ctx.vms ? ctx.vms : std::make_shared<VmService>(ctx.inventory, ctx.store);

  router.get("/api/v1/vms", [&ctx, vms](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto list = vms->list();
    if (!okOrSend(list, res)) return;
    Json out = Json::array();
    for (const auto& r : *list) out.push_back(vms->view(r));
    sendJson(res, 200, Json{{"vms", out}, {"revision", ctx.store.revision()}});
  });

  router.get("/api/v1/vms/{name}", [&ctx, vms](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto name = pathName(req, "name");
    if (!okOrSend(name, res)) return;
    auto record = vms->get(*name);
    if (!okOrSend(record, res)) return;
    sendJson(res, 200, vms->view(*record));
  });

  router.put("/api/v1/vms/{name}", [&ctx, vms](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto name = pathName(req, "name");
    if (!okOrSend(name, res)) return;
    auto body = common::parseJsonBody(req.body);
    if (!okOrSend(body, res)) return;
    bool created = false;
    auto record = vms->put(*name, *body, &created);
    if (!okOrSend(record, res)) return;
    common::logNotice("vm " + *name + (created ? " placed on " : " updated on ") + record->node);
    Json out = vms->view(*record);
    out["revision"] = record->mod_revision;
    sendJson(res, created ? 201 : 200, out);
  });

  router.del("/api/v1/vms/{name}", [&ctx, vms](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto name = pathName(req, "name");
    if (!okOrSend(name, res)) return;
    auto removed = vms->remove(*name);
    if (!okOrSend(removed, res)) return;
    common::logNotice("vm " + *name + " deleted");
    sendJson(res, 200, Json{{"name", *name}, {"deleted", true}});
  });

  router.post("/api/v1/vms/{name}/actions/{action}",
              [&ctx, vms](const HttpRequest& req, HttpResponse& res) {
                if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
                auto name = pathName(req, "name");
                if (!okOrSend(name, res)) return;
                std::string action_name = req.pathParam("action");
                auto action = parseVmAction(action_name);
                if (!action) {
                  sendError(res, common::Error{common::ErrorCode::kInvalid,
                                               "unknown action '" + action_name.substr(0, 64) + "'",
                                               "action",
                                               {"start", "stop", "reset"}});
                  return;
                }
                auto record = vms->act(*name, *action);
                if (!okOrSend(record, res)) return;
                common::logNotice("vm " + *name + ": " + action_name);
                Json out = vms->view(*record);
                out["revision"] = record->mod_revision;
                sendJson(res, 200, out);
              });
}

}  // namespace photon::coordinator
