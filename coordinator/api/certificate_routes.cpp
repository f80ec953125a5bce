// The nodes' certificates: a node sends its certificate request (its token or its current
// certificate proves who it is) and gets back a client certificate from the cluster CA; the CA
// itself is public; the operator reads the fleet's SSH host keys as a known_hosts file.
#include "common/json_fields.h"
#include "common/log.h"
#include "coordinator/api/routes.h"

namespace photon::coordinator {

void registerCertificateRoutes(Router& router, ApiContext& ctx) {
  router.post("/api/v1/nodes/{id}/certificate", [&ctx](const HttpRequest& req, HttpResponse& res) {
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    // The node's token is enough here: it is how a node gets its first certificate.
    auto caller = ctx.auth.requireNode(req, *id, /*admin_too=*/false, /*token_enough=*/true);
    if (!okOrSend(caller, res)) return;
    auto body = common::parseJsonBody(req.body);
    if (!okOrSend(body, res)) return;
    if (!okOrSend(common::requireObject(*body, ""), res)) return;
    auto csr = common::readString(*body, "csr", "", "");
    if (!okOrSend(csr, res)) return;
    if (csr->empty() || csr->size() > 8192) {
      sendError(res, 400, "csr must be a PEM certificate request of at most 8 KiB", "csr");
      return;
    }
    auto host_key = common::readString(*body, "ssh_host_key", "", "");
    if (!okOrSend(host_key, res)) return;
    if (!ctx.certificates) {
      sendError(res, 403, "this coordinator issues no node certificates", "csr");
      return;
    }
    auto issued = ctx.certificates->issue(*id, *csr, *host_key);
    if (!okOrSend(issued, res)) return;
    common::logNotice("node " + *id + ": certificate " + issued->serial_hex +
                      " issued, valid until " + std::to_string(issued->not_after));
    sendJson(res, 200,
             Json{{"certificate", issued->cert_pem},
                  {"ca", ctx.certificates->caPem()},
                  {"serial", issued->serial_hex},
                  {"not_after", issued->not_after}});
  });

  // Public: the CA's certificate is what every client checks the fleet against.
  router.get("/api/v1/ca", [&ctx](const HttpRequest&, HttpResponse& res) {
    if (!ctx.certificates || !ctx.certificates->issuing()) {
      sendError(res, 404, "this coordinator has no node CA", "path");
      return;
    }
    sendJson(res, 200, Json{{"ca", ctx.certificates->caPem()}});
  });

  router.get("/api/v1/known-hosts", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    if (!ctx.certificates) {
      sendJson(res, 200, Json{{"hosts", Json::array()}});
      return;
    }
    auto keys = ctx.certificates->hostKeys();
    if (!okOrSend(keys, res)) return;
    Json hosts = Json::array();
    for (const auto& key : *keys) {
      hosts.push_back({{"node_id", key.node_id},
                       {"hostname", key.hostname},
                       {"address", key.address},
                       {"ssh_host_key", key.ssh_host_key}});
    }
    sendJson(res, 200, Json{{"hosts", hosts}});
  });
}

}  // namespace photon::coordinator
