#include "common/log.h"
#include "coordinator/api/routes.h"

namespace photon::coordinator {

void registerEnrollmentRoutes(Router& router, ApiContext& ctx) {
  router.post("/api/v1/phone-home", [&ctx](const HttpRequest& req, HttpResponse& res) {
                if (!okOrSend(ctx.auth.requireBootstrap(req), res)) return;
                auto body = common::parseJsonBody(req.body);
                if (!okOrSend(body, res)) return;
                auto request = common::phoneHomeFromJson(*body);
                if (!okOrSend(request, res)) return;
                auto result = ctx.inventory.phoneHome(*request);
                if (!okOrSend(result, res)) {
                  common::logWarning("phone-home of machine " + request->machine_id +
                                     " refused: " + result.error().message);
                  return;
                }
                common::logInfo("phone-home: machine " + request->machine_id + " is node " +
                                result->node.id + " (" +
                                std::string(common::toString(result->node.state)) + ")");
                Json out = {{"node_id", result->node.id},
                            {"state", common::toString(result->node.state)},
                            {"token", result->token},
                            {"install_plan", nullptr}};
                if (result->install_plan) out["install_plan"] = toJson(*result->install_plan);
                sendJson(res, 200, out);
              });
}

}  // namespace photon::coordinator
