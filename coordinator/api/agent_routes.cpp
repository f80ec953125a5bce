// The two documents an agent exchanges: desired (GET, ETag / If-None-Match, ?wait= long-poll)
// and observed (PUT).
#include <charconv>

#include "common/api/install_report.h"
#include "common/json_depth.h"
#include "coordinator/api/routes.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/power/lifecycle_power.h"

namespace photon::coordinator {
namespace {
std::string etagFor(int64_t revision) {
  return "\"" + std::to_string(revision) + "\"";
}

// Whether `known` is etagFor(revision), without building it: every agent's poll asks.
bool isEtagOf(std::string_view known, int64_t revision) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, revision);
  const std::string_view number(digits, static_cast<size_t>(end - digits));
  return ec == std::errc() && known.size() == number.size() + 2 && known.front() == '"' &&
         known.back() == '"' && known.substr(1, number.size()) == number;
}

common::Result<int64_t> waitSeconds(const HttpRequest& req, std::chrono::seconds max) {
  if (!req.hasParam("wait")) return 0;
  std::string text = req.param("wait");
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

// Answers a desired-document request whose caller knows `known` (an ETag, or empty), the
// document being at `revision` (read once per request: it is most of a 304's work).
void answerDesired(ApiContext& ctx, const std::string& id, std::string_view known, int64_t revision,
                   HttpResponse& res) {
  if (isEtagOf(known, revision)) {
    res.setHeader("ETag", std::string(known));
    res.status = 304;
    return;
  }
  auto doc = ctx.inventory.servedDesired(id);
  if (!okOrSend(doc, res)) return;
  res.setHeader("ETag", etagFor(doc->revision));
  sendJson(res, 200, doc->body);
}
}  // namespace

void registerAgentRoutes(Router& router, ApiContext& ctx) {
  router.get("/api/v1/nodes/{id}/desired", [&ctx](const HttpRequest& req, HttpResponse& res) {
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto caller = ctx.auth.requireNode(req, *id, /*admin_too=*/true);
    if (!okOrSend(caller, res)) return;
    auto wait = waitSeconds(req, ctx.max_wait);
    if (!okOrSend(wait, res)) return;
    // Only the node's own polls say that it is alive; an operator reading its document does not.
    const bool by_node = caller->role == Caller::Role::kNode;
    if (by_node) ctx.liveness.seen(*id, ctx.inventory.clock().nowSeconds());
    std::string_view known = req.headerView("If-None-Match");
    auto revision = ctx.inventory.desiredRevision(*id);
    if (!okOrSend(revision, res)) return;
    if (!isEtagOf(known, *revision) || *wait == 0) {
      answerDesired(ctx, *id, known, *revision, res);
      return;
    }
    // Long-poll: the edge parks the request, without a thread, until the document changes.
    auto poll = std::make_shared<LongPoll>();
    poll->key = keys::desired(*id);
    poll->holder = by_node ? *id : std::string();
    poll->timeout = std::chrono::seconds(*wait);
    poll->changed = [&ctx, id = *id, known_revision = *revision] {
      auto now = ctx.inventory.desiredRevision(id);
      return !now || *now != known_revision;
    };
    poll->answer = [&ctx, id = *id, known = std::string(known), by_node](HttpResponse& out) {
      if (by_node) ctx.liveness.seen(id, ctx.inventory.clock().nowSeconds());
      auto revision = ctx.inventory.desiredRevision(id);
      if (!okOrSend(revision, out)) return;
      answerDesired(ctx, id, known, *revision, out);
    };
    res.hold = std::move(poll);
  });

  router.put("/api/v1/nodes/{id}/observed", [&ctx](const HttpRequest& req, HttpResponse& res) {
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    if (!okOrSend(ctx.auth.requireNode(req, *id, /*admin_too=*/false), res)) return;
    auto body = common::parseJsonBody(req.body);
    if (!okOrSend(body, res)) return;
    // A report that ends an install: the node as it was before, which putObserved
    // moves on (only then: reports are every node's heartbeat).
    auto report = common::installReportFromObserved(*body);
    std::optional<common::Node> before;
    if (report && *report && (*report)->phase == common::InstallPhase::kInstalled) {
      if (auto node = ctx.inventory.getNode(*id)) before = *node;
    }
    auto revision = ctx.inventory.putObserved(*id, *body);
    if (!okOrSend(revision, res)) return;
    if (before) power::afterObserved(ctx.inventory, ctx.store, *before);
    sendJson(res, 200, Json{{"revision", *revision}});
  });

  router.get("/api/v1/nodes/{id}/observed", [&ctx](const HttpRequest& req, HttpResponse& res) {
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    if (!okOrSend(ctx.auth.requireNode(req, *id, /*admin_too=*/true), res)) return;
    auto doc = ctx.inventory.observed(*id);
    if (!okOrSend(doc, res)) return;
    sendJson(res, 200, Json{{"observed", doc->body}, {"revision", doc->revision}});
  });

  // The operator sets a section of a node's desired state by hand; deployments and placement
  // write the same sections.
  router.put(
      "/api/v1/nodes/{id}/desired/{section}", [&ctx](const HttpRequest& req, HttpResponse& res) {
        if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
        auto id = pathName(req, "id");
        if (!okOrSend(id, res)) return;
        // The served document's own fields, filled in as it is served (Inventory::desired):
        // checked before the name rule, which refuses node_id too but without saying why.
        // "node-id", the agent's file for it, is kept refused as it always was.
        const std::string wanted = req.pathParam("section");
        if (wanted == "node_id" || wanted == "revision" || wanted == "node-id") {
          sendError(res, common::Error{common::ErrorCode::kInvalid,
                                       "'" + wanted +
                                           "' is reserved: the served document's node_id and "
                                           "revision are the coordinator's",
                                       "section"});
          return;
        }
        auto section = pathName(req, "section");
        if (!okOrSend(section, res)) return;
        // Assembled from the VM records' entries: a hand-written one would hide them.
        if (*section == "vms") {
          sendError(res, common::Error{common::ErrorCode::kInvalid,
                                       "the vms section is written by the VM API (/api/v1/vms)",
                                       "section"});
          return;
        }
        if (!okOrSend(common::checkJsonDepth(req.body), res)) return;
        Json value = Json::parse(req.body, nullptr, false);
        if (value.is_discarded()) {
          sendError(res, common::Error{common::ErrorCode::kInvalid, "malformed JSON", "body"});
          return;
        }
        auto revision = ctx.inventory.setDesiredSection(*id, *section, value);
        if (!okOrSend(revision, res)) return;
        sendJson(res, 200, Json{{"revision", *revision}});
      });
}

}  // namespace photon::coordinator
