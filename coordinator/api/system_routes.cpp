#include <map>
#include <memory>
#include <set>

#include "common/prometheus_text.h"
#include "common/validate.h"
#include "coordinator/api/node_bgp.h"
#include "coordinator/api/routes.h"
#include "coordinator/deploy/deployment_metrics.h"
#include "coordinator/inventory/liveness_sharing.h"
#include "coordinator/placement/placement_metrics.h"
#include "coordinator/power/lifecycle_power.h"
#include "coordinator/power/power_metrics.h"

namespace photon::coordinator {
using common::appendHelp;
using common::appendMetric;
using common::appendSingle;

common::Result<std::string> pathName(const HttpRequest& req, const std::string& field) {
  std::string value = req.pathParam(field);
  PHOTON_CHECK(common::checkName(field, value));
  return value;
}

common::Result<int64_t> wholeParam(const HttpRequest& req, const std::string& name, int64_t max) {
  if (!req.hasParam(name)) return 0;
  std::string text = req.param(name);
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return common::invalid(name, "must be a whole number");
  }
  int64_t value = std::stoll(text);
  if (value > max) return common::invalid(name, "at most " + std::to_string(max));
  return value;
}

Json nodeView(ApiContext& ctx, const common::Node& node) {
  Json j = common::toJson(node);
  common::Liveness liveness = ctx.inventory.liveness(node);
  // Liveness is "" where no agent is expected to poll; last_seen means nothing there.
  if (liveness != common::Liveness::kNotExpected) j["last_seen"] = ctx.liveness.lastSeen(node.id);
  j["liveness"] = common::toString(liveness);
  // What its BMC last said (power/power_metrics.h); null for a node without one.
  j["power"] = power::powerSummary(ctx.store, node.id);
  // The last lifecycle step's power operations while the node is in that step's state: a BMC
  // that failed a reprovision, rescue or retire shows here with its error.
  Json step = power::lifecyclePowerStep(ctx.store, node);
  if (!step.is_null()) j["power_step"] = std::move(step);
  return j;
}

void registerSystemRoutes(Router& router, ApiContext& ctx) {
  router.get("/health", [&ctx](const HttpRequest&, HttpResponse& res) {
    Json health{{"status", "ok"}, {"version", PHOTON_VERSION}, {"revision", ctx.store.revision()}};
    if (ctx.leadership) {
      health["leader"] = ctx.leadership->isLeader();
      health["leader_id"] = ctx.leadership->leaderId();
      health["leader_changes"] = ctx.leadership->changes();
    }
    sendJson(res, 200, health);
  });

  // What the BGP gauges read of each node's report, kept between scrapes.
  auto bgp = std::make_shared<BgpMetrics>();
  router.get("/metrics", [&ctx, bgp](const HttpRequest&, HttpResponse& res) {
    std::string out;
    ctx.metrics.render(out);
    placement::appendPlacementMetrics(out, ctx.inventory, ctx.store);
    appendSingle(out, "photon_store_revision", "gauge", "The store's current revision.",
                 static_cast<double>(ctx.store.revision()));
    for (const auto& counter : ctx.store.counters()) {
      appendHelp(out, counter.name, "counter", counter.help);
      appendMetric(out, counter.name, "", counter.value);
    }
    if (ctx.leadership) {
      appendSingle(out, "photon_leader", "gauge", "1 while this coordinator runs the controllers.",
                   ctx.leadership->isLeader() ? 1 : 0);
      appendSingle(out, "photon_leader_changes_total", "counter",
                   "Times this coordinator started or stopped leading.",
                   static_cast<double>(ctx.leadership->changes()));
    }
    if (ctx.liveness_sharing) {
      auto shared = ctx.liveness_sharing->stats();
      appendSingle(out, "photon_liveness_published_total", "counter",
                   "Batches of answered polls this coordinator wrote to the store.",
                   static_cast<double>(shared.published));
      appendSingle(out, "photon_liveness_publish_failures_total", "counter",
                   "Batches the store refused or did not answer.",
                   static_cast<double>(shared.publish_failures));
      appendSingle(out, "photon_liveness_document_bytes", "gauge",
                   "Size of this coordinator's last liveness batch.",
                   static_cast<double>(shared.last_document_bytes));
      appendSingle(out, "photon_liveness_coordinators", "gauge",
                   "Coordinators whose liveness batch is fresh (this one's included).",
                   static_cast<double>(shared.coordinators));
    }
    if (auto enrolment = ctx.inventory.enrolmentStats()) {
      appendSingle(out, "photon_enrolment_discovered", "gauge",
                   "Nodes waiting in discovered (a new machine past the cap gets a 429).",
                   static_cast<double>(enrolment->discovered));
      appendSingle(out, "photon_enrolment_discovered_cap", "gauge", "--max-discovered (0: no cap).",
                   static_cast<double>(enrolment->max_discovered));
      appendSingle(out, "photon_enrolment_refused_total", "counter",
                   "Phone-homes of new machines refused by the discovered cap.",
                   static_cast<double>(enrolment->refused_by_cap));
      appendHelp(out, "photon_pool_addresses", "gauge",
                 "Addresses of each pool: allocated (to approved nodes only) and its size.");
      for (const auto& pool : enrolment->pools) {
        appendMetric(out, "photon_pool_addresses", "pool=\"" + pool.pool + "\",kind=\"allocated\"",
                     static_cast<double>(pool.allocated));
        appendMetric(out, "photon_pool_addresses", "pool=\"" + pool.pool + "\",kind=\"size\"",
                     static_cast<double>(pool.size));
      }
    }
    auto nodes = ctx.inventory.listNodes({});
    if (nodes) {
      std::map<std::string, int> by_state;
      int missing = 0;
      std::set<std::string> alive;
      for (const auto& n : nodes->nodes) {
        ++by_state[std::string(common::toString(n.state))];
        auto liveness = ctx.inventory.liveness(n);
        if (liveness == common::Liveness::kMissing) ++missing;
        if (liveness == common::Liveness::kAlive) alive.insert(n.id);
      }
      appendHelp(out, "photon_nodes", "gauge", "Nodes by lifecycle state.");
      for (const auto& [state, count] : by_state) {
        appendMetric(out, "photon_nodes", "state=\"" + state + "\"", count);
      }
      appendSingle(out, "photon_nodes_missing", "gauge", "Nodes whose agent stopped polling.",
                   missing);
      bgp->append(out, ctx.store, alive);
    }
    appendDeploymentMetrics(out, ctx.inventory, ctx.store);
    power::appendPowerMetrics(out, ctx.store);
    res.status = 200;
    res.setContent(out, "text/plain; version=0.0.4");
  });
}

}  // namespace photon::coordinator
