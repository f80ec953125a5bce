#include <array>
#include <cctype>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/api/observed.h"
#include "common/log.h"
#include "common/validate.h"
#include "coordinator/api/node_bgp.h"
#include "coordinator/api/node_changes.h"
#include "coordinator/api/node_table_view.h"
#include "coordinator/api/routes.h"
#include "coordinator/inventory/node_history.h"
#include "coordinator/power/lifecycle_power.h"
#include "coordinator/power/power_metrics.h"

namespace photon::coordinator {
namespace {

common::Result<NodeFilter> filterFromQuery(const HttpRequest& req) {
  NodeFilter filter;
  if (req.hasParam("state")) {
    std::string state = req.param("state");
    if (state == common::toString(common::Liveness::kMissing)) {
      filter.missing = true;
    } else if (auto parsed = common::parseNodeState(state)) {
      filter.state = *parsed;
    } else {
      return common::invalid("state", "unknown state '" + state + "'");
    }
  }
  if (req.hasParam("pool")) {
    filter.pool = req.param("pool");
    PHOTON_CHECK(common::checkName("pool", filter.pool));
  }
  auto labels = req.params("label");
  if (labels.size() > 16) return common::invalid("label", "at most 16 label filters");
  for (const std::string& kv : labels) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) return common::invalid("label", "must be key=value");
    std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
    if (!common::isValidLabelKey(key) || !common::isValidLabelValue(value)) {
      return common::invalid("label", "'" + kv + "' is not a valid label");
    }
    filter.labels[key] = value;
  }
  return filter;
}

// What of the reported system domain the list carries; the table shows no store path.
constexpr std::array<const char*, 5> kSystemKeys = {"generation", "outcome", "system",
                                                    "reboot_required", "deployment"};
constexpr std::array<const char*, 3> kTableSystemKeys = {"generation", "outcome",
                                                         "reboot_required"};

// The summary of the node's reported system domain, or null before its agent reported one.
template <size_t N>
Json observedSystem(ApiContext& ctx, const std::string& id,
                    const std::array<const char*, N>& keys) {
  auto observed = ctx.inventory.observed(id);
  if (!observed) return nullptr;
  const Json* system = nullptr;
  if (auto d = observed->body.find("domains"); d != observed->body.end() && d->is_object()) {
    if (auto s = d->find("system"); s != d->end() && s->is_object()) system = &*s;
  }
  if (!system) return nullptr;
  Json out = Json::object();
  for (const char* key : keys) {
    if (auto v = system->find(key); v != system->end()) out[key] = *v;
  }
  return out;
}
}  // namespace

void registerNodeRoutes(Router& router, ApiContext& ctx) {
  router.get("/api/v1/nodes", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto filter = filterFromQuery(req);
    if (!okOrSend(filter, res)) return;
    // ?with=system adds each node's system domain as its agent last reported it
    // (the console's generation and reboot columns); opt-in, as it reads every
    // node's observed report.
    const std::string with = req.param("with");
    if (req.hasParam("with") && with != "system") {
      sendError(
          res,
          common::Error{common::ErrorCode::kInvalid, "only 'system' may be asked for", "with", {}});
      return;
    }
    // ?view=table: each node as the console's machines table needs it (node_table_view.h).
    const auto views = req.params("view");
    const bool table = !views.empty();
    if (table && (views.size() != 1 || views[0] != "table")) {
      sendError(
          res,
          common::Error{
              common::ErrorCode::kInvalid, "only 'table' may be asked for", "view", {"table"}});
      return;
    }
    // ?changed_since=REV: only the nodes whose documents changed after REV (the
    // console's live updates), at the revision read before looking.
    std::optional<int64_t> read_at;
    std::optional<std::set<std::string>> keep_only;  // changed, but read with the whole fleet
    if (req.hasParam("changed_since")) {
      auto since = wholeParam(req, "changed_since", INT64_MAX);
      if (!okOrSend(since, res)) return;
      read_at = ctx.store.revision();
      auto changed = nodesChangedSince(ctx.store, *since, with == "system");
      if (!okOrSend(changed, res)) return;
      if (chooseChangedRead(changed->ids.size(), changed->fleet) == ChangedRead::kOneByOne) {
        filter->ids = std::move(changed->ids);
      } else {
        keep_only = std::move(changed->ids);
      }
    }
    auto list = ctx.inventory.listNodes(*filter);
    if (!okOrSend(list, res)) return;
    if (read_at) list->revision = *read_at;
    if (keep_only) {
      std::erase_if(list->nodes, [&](const Node& n) { return !keep_only->contains(n.id); });
    }
    Json nodes = Json::array();
    for (const auto& n : list->nodes) {
      if (table) {
        nodes.push_back(nodeTableView(n, std::string(common::toString(ctx.inventory.liveness(n))),
                                      power::powerSummary(ctx.store, n.id)));
      } else {
        nodes.push_back(nodeView(ctx, n));
      }
      if (with == "system") {
        nodes.back()["observed_system"] = table ? observedSystem(ctx, n.id, kTableSystemKeys)
                                                : observedSystem(ctx, n.id, kSystemKeys);
      }
    }
    sendJson(res, 200, Json{{"nodes", nodes}, {"revision", list->revision}});
  });

  router.get("/api/v1/nodes/{id}", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto node = ctx.inventory.getNode(*id);
    if (!okOrSend(node, res)) return;
    Json out = nodeView(ctx, *node);
    auto observed = ctx.inventory.observed(*id);
    if (observed && observed->revision != 0) {
      out["observed"] = observed->body;
      // Its BGP report as the strict reader takes it, or that reader's error.
      if (Json bgp = nodeBgpView(observed->body); !bgp.is_null()) out["bgp"] = std::move(bgp);
    }
    out["revision"] = ctx.store.revision();
    sendJson(res, 200, out);
  });

  // The node's last state changes, oldest first, each with what moved it.
  router.get("/api/v1/nodes/{id}/history", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto history = ctx.inventory.history(*id);
    if (!okOrSend(history, res)) return;
    sendJson(
        res, 200,
        Json{
            {"node_id", *id}, {"history", common::toJson(*history)}, {"limit", kNodeHistoryLimit}});
  });

  router.patch("/api/v1/nodes/{id}", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto body = common::parseJsonBody(req.body);
    if (!okOrSend(body, res)) return;
    auto node = ctx.inventory.patchNode(*id, *body);
    if (!okOrSend(node, res)) return;
    sendJson(res, 200, nodeView(ctx, *node));
  });

  router.post(
      "/api/v1/nodes/{id}/actions/{action}", [&ctx](const HttpRequest& req, HttpResponse& res) {
        if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
        auto id = pathName(req, "id");
        if (!okOrSend(id, res)) return;
        std::string action_name = req.pathParam("action");
        auto action = parseNodeAction(action_name);
        if (!action) {
          sendError(res, common::Error{common::ErrorCode::kInvalid,
                                       "unknown action '" + action_name.substr(0, 64) + "'",
                                       "action",
                                       {"commission", "install", "drain", "undrain", "reprovision",
                                        "rescue", "retire"}});
          return;
        }
        auto node = ctx.inventory.act(*id, *action);
        if (!okOrSend(node, res)) return;
        common::logNotice("node " + *id + ": " + action_name + " -> " +
                          std::string(common::toString(node->state)));
        Json out = nodeView(ctx, *node);
        // A reprovision boots the installer and cycles, a retire switches off: queued
        // for the node's BMC, when it has one.
        Json power_steps = power::powerForLifecycle(ctx.inventory, ctx.store, *node, action_name);
        if (!power_steps.is_null()) out["power_operations"] = power_steps;
        if (power_steps.contains("error")) {
          common::logWarning("node " + *id + ": " + action_name +
                             ": power: " + power_steps["error"].get<std::string>());
        }
        sendJson(res, 200, out);
      });
}

}  // namespace photon::coordinator
