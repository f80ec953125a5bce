// GET /api/v1/watch: one held poll that answers when anything the console shows changed, so
// that an open console follows the fleet with one request in flight instead of one per node.
// It answers only a revision; the console then reads what it shows.
#include <algorithm>
#include <cstdint>
#include <memory>

#include "coordinator/api/ui_routes.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {

bool watchWakes(const std::vector<std::string>& changed_keys) {
  // The coordinators' liveness batches are written every few seconds and change no document
  // the console reads; everything else (nodes, observed reports, deployments, VMs, services,
  // power) does.
  return std::any_of(changed_keys.begin(), changed_keys.end(), [](const std::string& key) {
    return !key.starts_with(keys::kLivenessPrefix);
  });
}

void registerWatchRoutes(Router& router, ApiContext& ctx) {
  router.get("/api/v1/watch", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto wait = wholeParam(req, "wait", ctx.max_wait.count());
    if (!okOrSend(wait, res)) return;
    auto since = wholeParam(req, "since", INT64_MAX);
    if (!okOrSend(since, res)) return;
    Store& store = ctx.store;
    auto answer = [&store](HttpResponse& out) {
      sendJson(out, 200, Json{{"revision", store.revision()}});
    };
    if (*wait == 0 || store.revision() != *since) {
      answer(res);
      return;
    }
    // Held by the edge with no thread; no holder, so each open console holds its own.
    auto poll = std::make_shared<LongPoll>();
    poll->key = std::string(kWatchKey);
    poll->timeout = std::chrono::seconds(*wait);
    poll->changed = [&store, since = *since] { return store.revision() != since; };
    poll->answer = answer;
    res.hold = std::move(poll);
  });
}

}  // namespace photon::coordinator
