// The two documents an agent exchanges: desired (GET, ETag / If-None-Match, ?wait= long-poll)
// and observed (PUT).
#include "coordinator/api/routes.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {
namespace {
std::string etagFor(int64_t revision) { return "\"" + std::to_string(revision) + "\""; }

common::Result<int64_t> waitSeconds(const httplib::Request& req, std::chrono::seconds max) {
  if (!req.has_param("wait")) return 0;
  std::string text = req.get_param_value("wait");
  if (text.empty() || text.size() > 6 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return common::invalid("wait", "must be a whole number of seconds");
  }
  int64_t seconds = std::stoll(text);
  if (seconds > max.count()) {
    return common::invalid("wait", "at most " + std::to_string(max.count()) + " seconds");
  }
  return seconds;
}
}  // namespace

void registerAgentRoutes(Router& router, ApiContext& ctx) {
  router.get(R"(/api/v1/nodes/([^/]+)/desired)", "/api/v1/nodes/{id}/desired",
             [&ctx](const httplib::Request& req, httplib::Response& res) {
               auto id = pathName(req, 1, "id");
               if (!okOrSend(id, res)) return;
               if (!okOrSend(ctx.auth.requireNode(req, *id, /*admin_too=*/true), res)) return;
               auto wait = waitSeconds(req, ctx.max_wait);
               if (!okOrSend(wait, res)) return;
               ctx.liveness.seen(*id, ctx.inventory.clock().nowSeconds());
               std::string known = req.get_header_value("If-None-Match");
               auto revision = ctx.inventory.desiredRevision(*id);
               if (!okOrSend(revision, res)) return;
               if (known == etagFor(*revision) && *wait > 0) {
                 // Long-poll, bounded: past max_waiters the caller is answered at once.
                 if (ctx.waiters.fetch_add(1) < ctx.max_waiters) {
                   revision = ctx.inventory.store().waitForChange(
                       keys::desired(*id), *revision, std::chrono::seconds(*wait));
                 }
                 ctx.waiters.fetch_sub(1);
               }
               if (known == etagFor(*revision)) {
                 res.set_header("ETag", known);
                 res.status = 304;
                 return;
               }
               auto doc = ctx.inventory.desired(*id);
               if (!okOrSend(doc, res)) return;
               res.set_header("ETag", etagFor(doc->revision));
               sendJson(res, 200, doc->body);
             });

  router.put(R"(/api/v1/nodes/([^/]+)/observed)", "/api/v1/nodes/{id}/observed",
             [&ctx](const httplib::Request& req, httplib::Response& res) {
               auto id = pathName(req, 1, "id");
               if (!okOrSend(id, res)) return;
               if (!okOrSend(ctx.auth.requireNode(req, *id, /*admin_too=*/false), res)) return;
               auto body = common::parseJsonBody(req.body);
               if (!okOrSend(body, res)) return;
               auto revision = ctx.inventory.putObserved(*id, *body);
               if (!okOrSend(revision, res)) return;
               sendJson(res, 200, Json{{"revision", *revision}});
             });

  router.get(R"(/api/v1/nodes/([^/]+)/observed)", "/api/v1/nodes/{id}/observed",
             [&ctx](const httplib::Request& req, httplib::Response& res) {
               auto id = pathName(req, 1, "id");
               if (!okOrSend(id, res)) return;
               if (!okOrSend(ctx.auth.requireNode(req, *id, /*admin_too=*/true), res)) return;
               auto doc = ctx.inventory.observed(*id);
               if (!okOrSend(doc, res)) return;
               sendJson(res, 200, Json{{"observed", doc->body}, {"revision", doc->revision}});
             });

  // The operator sets a section of a node's desired state by hand; deployments and placement
  // write the same sections.
  router.put(R"(/api/v1/nodes/([^/]+)/desired/([^/]+))", "/api/v1/nodes/{id}/desired/{section}",
             [&ctx](const httplib::Request& req, httplib::Response& res) {
               if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
               auto id = pathName(req, 1, "id");
               if (!okOrSend(id, res)) return;
               auto section = pathName(req, 2, "section");
               if (!okOrSend(section, res)) return;
               if (*section == "node-id" || *section == "revision") {
                 sendError(res, common::Error{common::ErrorCode::kInvalid, "reserved section",
                                              "section"});
                 return;
               }
               Json value = Json::parse(req.body, nullptr, false);
               if (value.is_discarded()) {
                 sendError(res, common::Error{common::ErrorCode::kInvalid, "malformed JSON",
                                              "body"});
                 return;
               }
               auto revision = ctx.inventory.setDesiredSection(*id, *section, value);
               if (!okOrSend(revision, res)) return;
               sendJson(res, 200, Json{{"revision", *revision}});
             });
}

}  // namespace photon::coordinator
