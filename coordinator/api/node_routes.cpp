#include <cctype>

#include "common/log.h"
#include "common/validate.h"
#include "coordinator/api/routes.h"

namespace photon::coordinator {
namespace {
constexpr const char* kNodePattern = R"(/api/v1/nodes/([^/]+))";

std::string percentDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

// "label=rack=r2" as typed (cpp-httplib would cut the value at its second '='), or encoded.
std::vector<std::string> labelParams(const httplib::Request& req) {
  std::vector<std::string> out;
  auto q = req.target.find('?');
  if (q == std::string::npos) return out;
  std::string_view query = std::string_view(req.target).substr(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    if (part.starts_with("label=")) out.push_back(percentDecode(part.substr(6)));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

common::Result<NodeFilter> filterFromQuery(const httplib::Request& req) {
  NodeFilter filter;
  if (req.has_param("state")) {
    std::string state = req.get_param_value("state");
    if (state == "missing") {
      filter.missing = true;
    } else if (auto parsed = common::parseNodeState(state)) {
      filter.state = *parsed;
    } else {
      return common::invalid("state", "unknown state '" + state + "'");
    }
  }
  if (req.has_param("pool")) {
    filter.pool = req.get_param_value("pool");
    PHOTON_CHECK(common::checkName("pool", filter.pool));
  }
  auto labels = labelParams(req);
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
}  // namespace

void registerNodeRoutes(Router& router, ApiContext& ctx) {
  router.get("/api/v1/nodes", "/api/v1/nodes",
             [&ctx](const httplib::Request& req, httplib::Response& res) {
               if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
               auto filter = filterFromQuery(req);
               if (!okOrSend(filter, res)) return;
               auto list = ctx.inventory.listNodes(*filter);
               if (!okOrSend(list, res)) return;
               Json nodes = Json::array();
               for (const auto& n : list->nodes) nodes.push_back(nodeView(ctx, n));
               sendJson(res, 200, Json{{"nodes", nodes}, {"revision", list->revision}});
             });

  router.get(kNodePattern, "/api/v1/nodes/{id}",
             [&ctx](const httplib::Request& req, httplib::Response& res) {
               if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
               auto id = pathName(req, 1, "id");
               if (!okOrSend(id, res)) return;
               auto node = ctx.inventory.getNode(*id);
               if (!okOrSend(node, res)) return;
               Json out = nodeView(ctx, *node);
               auto observed = ctx.inventory.observed(*id);
               if (observed && observed->revision != 0) out["observed"] = observed->body;
               out["revision"] = ctx.inventory.store().revision();
               sendJson(res, 200, out);
             });

  router.patch(kNodePattern, "/api/v1/nodes/{id}",
               [&ctx](const httplib::Request& req, httplib::Response& res) {
                 if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
                 auto id = pathName(req, 1, "id");
                 if (!okOrSend(id, res)) return;
                 auto body = common::parseJsonBody(req.body);
                 if (!okOrSend(body, res)) return;
                 auto node = ctx.inventory.patchNode(*id, *body);
                 if (!okOrSend(node, res)) return;
                 sendJson(res, 200, nodeView(ctx, *node));
               });

  router.post(R"(/api/v1/nodes/([^/]+)/actions/([^/]+))", "/api/v1/nodes/{id}/actions/{action}",
              [&ctx](const httplib::Request& req, httplib::Response& res) {
                if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
                auto id = pathName(req, 1, "id");
                if (!okOrSend(id, res)) return;
                std::string action_name = req.matches[2];
                auto action = parseNodeAction(action_name);
                if (!action) {
                  sendError(res, common::Error{common::ErrorCode::kInvalid,
                                               "unknown action '" + action_name.substr(0, 64) + "'",
                                               "action",
                                               {"commission", "install", "drain", "undrain",
                                                "reprovision", "rescue", "retire"}});
                  return;
                }
                auto node = ctx.inventory.act(*id, *action);
                if (!okOrSend(node, res)) return;
                common::logNotice("node " + *id + ": " + action_name + " -> " +
                                  std::string(common::toString(node->state)));
                sendJson(res, 200, nodeView(ctx, *node));
              });
}

}  // namespace photon::coordinator
