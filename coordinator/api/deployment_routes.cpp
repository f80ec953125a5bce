// Deployments of a NixOS generation: create (validated, overlap refused), list, show with
// progress, cancel. The rollout itself runs in the DeploymentController.
#include "common/log.h"
#include "coordinator/api/routes.h"
#include "coordinator/deploy/deployments.h"

namespace photon::coordinator {
namespace {
// Counts by node status, and how far the rollout got: a node is done once it has an outcome.
Json progressOf(const Deployment& d) {
  Json by_status = Json::object();
  int total = 0, done = 0;
  for (const auto& n : d.nodes) {
    by_status[std::string(toString(n.status))] = by_status.value(toString(n.status), 0) + 1;
    if (n.status == NodeStatus::kSkipped) continue;
    ++total;
    if (n.status != NodeStatus::kPending && !inFlight(n.status)) ++done;
  }
  return {{"total", total}, {"done", done}, {"by_status", by_status}};
}

Json view(const Deployment& d, int64_t now) {
  Json j = toJson(d);
  j["progress"] = progressOf(d);
  j["elapsed_s"] = (d.finished_at ? d.finished_at : now) - d.created_at;
  return j;
}

Json summary(const Deployment& d, int64_t now) {
  return {{"id", d.id},
          {"state", toString(d.state)},
          {"system", d.spec.system},
          {"reason", d.reason},
          {"created_at", d.created_at},
          {"finished_at", d.finished_at},
          {"elapsed_s", (d.finished_at ? d.finished_at : now) - d.created_at},
          {"progress", progressOf(d)}};
}

common::Result<size_t> limitParam(const HttpRequest& req) {
  if (!req.hasParam("limit")) return 100;
  std::string text = req.param("limit");
  if (text.empty() || text.size() > 4 ||
      text.find_first_not_of("0123456789") != std::string::npos || std::stoul(text) < 1 ||
      std::stoul(text) > 1000) {
    return common::invalid("limit", "must be a whole number from 1 to 1000");
  }
  return std::stoul(text);
}
}  // namespace

void registerDeploymentRoutes(Router& router, ApiContext& ctx) {
  router.post("/api/v1/deployments", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto body = common::parseJsonBody(req.body);
    if (!okOrSend(body, res)) return;
    auto request = parseDeploymentRequest(*body);
    if (!okOrSend(request, res)) return;
    auto created = Deployments(ctx.inventory, ctx.store).create(*request);
    if (!okOrSend(created, res)) return;
    common::logNotice("deployment " + created->id + ": " + created->spec.system + " on " +
                      std::to_string(created->nodes.size()) + " node(s), max_parallel " +
                      std::to_string(created->max_parallel));
    sendJson(res, 201, view(*created, ctx.inventory.clock().nowSeconds()));
  });

  router.get("/api/v1/deployments", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto limit = limitParam(req);
    if (!okOrSend(limit, res)) return;
    auto list = Deployments(ctx.inventory, ctx.store).list(*limit);
    if (!okOrSend(list, res)) return;
    Json out = Json::array();
    int64_t now = ctx.inventory.clock().nowSeconds();
    for (const auto& d : *list) out.push_back(summary(d, now));
    sendJson(res, 200, Json{{"deployments", out}});
  });

  router.get("/api/v1/deployments/{id}", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto d = Deployments(ctx.inventory, ctx.store).get(*id);
    if (!okOrSend(d, res)) return;
    sendJson(res, 200, view(*d, ctx.inventory.clock().nowSeconds()));
  });

  router.post("/api/v1/deployments/{id}/cancel", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto d = Deployments(ctx.inventory, ctx.store).cancel(*id);
    if (!okOrSend(d, res)) return;
    common::logNotice("deployment " + *id + ": cancelled by the operator");
    sendJson(res, 200, view(*d, ctx.inventory.clock().nowSeconds()));
  });
}

}  // namespace photon::coordinator
