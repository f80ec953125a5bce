#include "coordinator/power/power_metrics.h"

#include <map>

#include "common/error_context.h"
#include "common/prometheus_text.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/power/power_keys.h"

namespace photon::coordinator::power {

void appendPowerMetrics(std::string& out, Store& store) {
  auto statuses = store.range(keys::kStatusPrefix);
  auto queued = store.range(keys::kRequestsPrefix);
  if (!statuses || !queued) {
    common::ignoreError(statuses, "power metrics: list the BMC statuses", "this scrape has none");
    common::ignoreError(queued, "power metrics: list the queued operations",
                        "this scrape has none");
    return;
  }
  std::map<std::string, int64_t> by_state{{"on", 0}, {"off", 0}, {"unknown", 0}};
  double errors = 0;
  for (const auto& kv : statuses->kvs) {
    auto doc = parseStored(kv);
    if (!doc) {
      common::ignoreError(doc, "power metrics: read " + kv.key, "the other nodes are counted");
      continue;
    }
    std::string state = doc->value("state", "unknown");
    if (!by_state.contains(state)) state = "unknown";
    ++by_state[state];
    errors += static_cast<double>(doc->value("errors", int64_t{0}));
  }
  common::appendHelp(out, "photon_power_nodes", "gauge",
                     "Nodes (and declared machines) by the power state their BMC last reported.");
  for (const auto& [state, count] : by_state) {
    common::appendMetric(out, "photon_power_nodes", "state=\"" + state + "\"",
                         static_cast<double>(count));
  }
  common::appendSingle(out, "photon_power_errors_total", "counter",
                       "BMC operations and polls that failed (unanswered, refused, past deadline).",
                       errors);
  double waiting = 0;
  for (const auto& kv : queued->kvs) {
    if (auto doc = parseStored(kv); doc && (*doc)["ops"].is_array())
      waiting += (*doc)["ops"].size();
  }
  common::appendSingle(out, "photon_power_requests_queued", "gauge",
                       "Power operations asked for and not yet taken by the leader.", waiting);
}

common::Json powerSummary(Store& store, const std::string& target) {
  auto kv = store.get(keys::status(target));
  if (!kv) return nullptr;
  const auto& stored = *kv;
  if (!stored) return nullptr;
  auto doc = parseStored(*stored);
  if (!doc) return nullptr;
  return common::Json{{"state", doc->value("state", "unknown")},
                      {"error", doc->value("error", "")},
                      {"checked_at", doc->value("checked_at", int64_t{0})}};
}

}  // namespace photon::coordinator::power
