// PUT /api/v1/cluster (photonctl cluster apply): the declaration is checked whole (its BMCs, its
// services as the services API checks them) and stored with its services in one transaction.
#include "common/log.h"
#include "coordinator/api/service_routes.h"
#include "coordinator/placement/declared_services.h"
#include "coordinator/power/bmc_records.h"

namespace photon::coordinator {
namespace {
std::string listed(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}
}  // namespace

void registerClusterApplyRoute(Router& router, ApiContext& ctx, placement::ServiceStore& services) {
  router.put("/api/v1/cluster", [&ctx, &services](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto body = common::parseJsonBody(req.body);
    if (!okOrSend(body, res)) return;
    auto cluster = common::clusterFromJson(*body);
    if (!okOrSend(cluster, res)) return;
    // Declared BMCs (nodes[].bmc) are checked here, where the declaration comes in.
    if (!okOrSend(power::checkDeclaredBmcs(*cluster), res)) return;
    auto applied = placement::applyDeclaration(services.inventory(), services.store(), *cluster);
    if (!okOrSend(applied, res)) return;
    std::string changes;
    if (!applied->created.empty()) changes += "; created " + listed(applied->created);
    if (!applied->updated.empty()) changes += "; updated " + listed(applied->updated);
    if (!applied->deleted.empty()) changes += "; deleted " + listed(applied->deleted);
    common::logNotice("cluster declaration '" + cluster->name + "' applied at revision " +
                      std::to_string(applied->revision) + changes);
    sendJson(res, 200,
             Json{{"name", cluster->name},
                  {"revision", applied->revision},
                  {"services",
                   {{"created", applied->created},
                    {"updated", applied->updated},
                    {"deleted", applied->deleted}}},
                  {"warnings", applied->warnings}});
  });
}

}  // namespace photon::coordinator
