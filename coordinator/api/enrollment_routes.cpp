#include "common/log.h"
#include "coordinator/api/routes.h"

namespace photon::coordinator {

void registerEnrollmentRoutes(Router& router, ApiContext& ctx) {
  router.post("/api/v1/phone-home", [&ctx](const HttpRequest& req, HttpResponse& res) {
    // The bootstrap token enrols a new machine; a node's own token or certificate
    // proves that the machine phoning home again is that node (Inventory checks
    // that it is the node of that machine).
    auto caller = ctx.auth.identify(req, /*token_enough=*/true);
    if (!okOrSend(caller, res)) return;
    PhoneHomeProof proof;
    if (caller->role == Caller::Role::kNode) {
      const std::string bearer = req.header("Authorization");
      if (bearer.starts_with("Bearer ")) {
        proof.node_token = bearer.substr(7);
      } else {
        proof.certified_node = caller->node_id;
      }
    } else if (caller->role != Caller::Role::kBootstrap) {
      sendError(res, common::Error{common::ErrorCode::kForbidden,
                                   "phone-home takes the bootstrap token or the "
                                   "node's own token",
                                   "authorization",
                                   {}});
      return;
    }
    auto body = common::parseJsonBody(req.body);
    if (!okOrSend(body, res)) return;
    auto request = common::phoneHomeFromJson(*body);
    if (!okOrSend(request, res)) return;
    auto result = ctx.inventory.phoneHome(*request, proof);
    if (!okOrSend(result, res)) {
      common::logWarning("phone-home of machine " + request->machine_id +
                         " refused: " + result.error().message);
      return;
    }
    common::logInfo("phone-home: machine " + request->machine_id + " is node " + result->node.id +
                    " (" + std::string(common::toString(result->node.state)) + ")");
    Json out = {{"node_id", result->node.id},
                {"state", common::toString(result->node.state)},
                {"token", result->token},
                {"install_plan", nullptr}};
    if (result->install_plan) out["install_plan"] = toJson(*result->install_plan);
    sendJson(res, 200, out);
  });
}

}  // namespace photon::coordinator
