// PUT|GET|DELETE /api/v1/nodes/{id}/bmc, POST|GET /api/v1/nodes/{id}/power,
// POST /api/v1/nodes/{id}/boot-device, POST /api/v1/nodes/{id}/power/retry (a failed lifecycle
// step's operations again). No handler talks to a BMC: operations are queued in the
// store (202 with their ids) for the leader's power service, and GET .../power?wait=&since=
// long-polls their outcome.
#include "coordinator/api/power_routes.h"

#include "common/log.h"
#include "coordinator/power/bmc_records.h"
#include "coordinator/power/lifecycle_power.h"
#include "coordinator/power/power_keys.h"
#include "coordinator/power/power_records.h"

namespace photon::coordinator {
namespace {

using power::PowerJob;

// The target of a power route: an enrolled node, or a declared node not enrolled yet.
common::Result<std::optional<common::Node>> findTarget(ApiContext& ctx, const std::string& id) {
  auto node = ctx.inventory.getNode(id);
  if (node) return *node;
  if (node.error().code != common::ErrorCode::kNotFound) return std::unexpected(node.error());
  PHOTON_TRY(common::Cluster cluster, ctx.inventory.clusterOrEmpty());
  if (power::declaredName(cluster, id, nullptr)) return std::nullopt;
  return common::fail(common::ErrorCode::kNotFound, "no node or declared node " + id, "id");
}

common::Result<power::BmcRecord> bmcOf(ApiContext& ctx, const std::string& id,
                                       const std::optional<common::Node>& node) {
  PHOTON_TRY(common::Cluster cluster, ctx.inventory.clusterOrEmpty());
  return power::findBmc(ctx.store, cluster, id, node ? &*node : nullptr);
}

// Queues `job` for the target after checking it has a BMC; answers 202 with the operation's id.
void queue(ApiContext& ctx, const std::string& id, PowerJob job, HttpResponse& res) {
  auto node = findTarget(ctx, id);
  if (!okOrSend(node, res)) return;
  auto bmc = bmcOf(ctx, id, *node);
  if (!okOrSend(bmc, res)) return;
  job.target = id;
  job.reason = "operator";
  std::string op = power::describeJob(job);
  auto ids = power::requestOperations(ctx.store, id, {job}, ctx.inventory.clock().nowSeconds());
  if (!okOrSend(ids, res)) return;
  common::logNotice("power " + id + ": " + op + " requested (operation " + ids->front() + ")");
  sendJson(res, 202, Json{{"operation", ids->front()}, {"target", id}, {"op", op}});
}

// Answers the power status of `id` now.
void answerStatus(ApiContext& ctx, const std::string& id, HttpResponse& res) {
  auto status = power::powerStatus(ctx.store, id);
  if (!okOrSend(status, res)) return;
  const auto& stored = *status;
  Json out = stored ? *stored
                    : Json{{"state", "unknown"},
                           {"error", ""},
                           {"checked_at", 0},
                           {"history", Json::array()},
                           {"queued", Json::array()}};
  out["revision"] = ctx.store.modRevision(power::keys::status(id)).value_or(0);
  out["target"] = id;
  sendJson(res, 200, out);
}

}  // namespace

void registerPowerRoutes(Router& router, ApiContext& ctx) {
  router.put("/api/v1/nodes/{id}/bmc", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto node = findTarget(ctx, *id);
    if (!okOrSend(node, res)) return;
    auto body = common::parseJsonBody(req.body);
    if (!okOrSend(body, res)) return;
    std::string password;
    auto record = power::bmcFromJson(*body, "", &password);
    if (!okOrSend(record, res)) return;
    auto stored = power::putBmc(ctx.store, *id, *record, password);
    if (!okOrSend(stored, res)) return;
    auto now = bmcOf(ctx, *id, *node);
    if (!okOrSend(now, res)) return;
    // The log names the BMC, never its password.
    common::logNotice("bmc of " + *id + " set: " + record->driver + " " + record->address);
    sendJson(res, 200, power::bmcView(*now));
  });

  router.get("/api/v1/nodes/{id}/bmc", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto node = findTarget(ctx, *id);
    if (!okOrSend(node, res)) return;
    auto bmc = bmcOf(ctx, *id, *node);
    if (!okOrSend(bmc, res)) return;
    sendJson(res, 200, power::bmcView(*bmc));
  });

  router.del("/api/v1/nodes/{id}/bmc", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    if (!okOrSend(power::deleteBmc(ctx.store, *id), res)) return;
    sendJson(res, 200, Json{{"deleted", *id}});
  });

  router.post("/api/v1/nodes/{id}/power", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto body = common::parseJsonBody(req.body);
    if (!okOrSend(body, res)) return;
    auto action = common::readString(*body, "action", "");
    if (!okOrSend(action, res)) return;
    PowerJob job;
    if (*action == "status") {
      job.kind = PowerJob::Kind::kStatus;  // read the BMC now, recorded in the history
    } else if (auto parsed = power::parsePowerAction(*action)) {
      job.kind = PowerJob::Kind::kPower;
      job.action = *parsed;
    } else {
      sendError(res, common::Error{common::ErrorCode::kInvalid,
                                   "unknown power action '" + action->substr(0, 32) + "'",
                                   "action",
                                   {"on", "off", "cycle", "soft", "status"}});
      return;
    }
    queue(ctx, *id, job, res);
  });

  router.post("/api/v1/nodes/{id}/power/retry", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto node = ctx.inventory.getNode(*id);
    if (!okOrSend(node, res)) return;
    auto queued = power::retryLifecyclePower(ctx.inventory, ctx.store, *node);
    if (!okOrSend(queued, res)) return;
    common::logNotice("node " + *id + ": " + queued->value("action", "") +
                      " power step retried by an operator");
    sendJson(res, 202, *queued);
  });

  router.post("/api/v1/nodes/{id}/boot-device", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto body = common::parseJsonBody(req.body);
    if (!okOrSend(body, res)) return;
    auto device = common::readString(*body, "device", "");
    if (!okOrSend(device, res)) return;
    auto parsed = power::parseBootDevice(*device);
    if (!parsed) {
      sendError(res, common::Error{common::ErrorCode::kInvalid,
                                   "unknown boot device '" + device->substr(0, 32) + "'",
                                   "device",
                                   {"pxe", "cdrom", "disk"}});
      return;
    }
    PowerJob job;
    job.kind = PowerJob::Kind::kBoot;
    job.device = *parsed;
    queue(ctx, *id, job, res);
  });

  router.get("/api/v1/nodes/{id}/power", [&ctx](const HttpRequest& req, HttpResponse& res) {
    if (!okOrSend(ctx.auth.requireAdmin(req), res)) return;
    auto id = pathName(req, "id");
    if (!okOrSend(id, res)) return;
    auto node = findTarget(ctx, *id);
    if (!okOrSend(node, res)) return;
    int64_t wait = 0, since = 0;
    try {
      if (req.hasParam("wait")) wait = std::stoll(req.param("wait"));
      if (req.hasParam("since")) since = std::stoll(req.param("since"));
    } catch (const std::exception&) {
      sendError(res, common::Error{common::ErrorCode::kInvalid,
                                   "must be a number",
                                   req.hasParam("since") ? "since" : "wait",
                                   {}});
      return;
    }
    if (wait < 0 || wait > ctx.max_wait.count()) {
      sendError(res, common::Error{common::ErrorCode::kInvalid,
                                   "must be 0-" + std::to_string(ctx.max_wait.count()) + " seconds",
                                   "wait",
                                   {}});
      return;
    }
    const std::string key = power::keys::status(*id);
    auto current = [&ctx, key]() -> int64_t { return ctx.store.modRevision(key).value_or(0); };
    if (wait == 0 || current() != since) {
      answerStatus(ctx, *id, res);
      return;
    }
    // Held by the edge (no thread) until the outcome of an operation or a poll lands.
    auto poll = std::make_shared<LongPoll>();
    poll->key = key;
    poll->timeout = std::chrono::seconds(wait);
    poll->changed = [current, since] { return current() != since; };
    poll->answer = [&ctx, id = *id](HttpResponse& out) { answerStatus(ctx, id, out); };
    res.hold = std::move(poll);
  });
}

}  // namespace photon::coordinator
