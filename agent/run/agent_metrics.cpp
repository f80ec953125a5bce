#include "agent/run/agent_metrics.h"

#include <initializer_list>

#include "common/api/bgp_report.h"
#include "common/api/observed.h"
#include "common/prometheus_text.h"

namespace photon::agent {
namespace {
using common::appendHelp;
using common::appendMetric;
using common::appendSingle;
using common::Json;

// Label values read from reports (a VM's run state, an outcome) are kept to a short lowercase
// word (with digits, '.', '_' and '-'), anything else is "other": no escaping to get wrong and no
// series per stray message.
std::string word(const Json& value) {
  if (!value.is_string()) return "unknown";
  const auto& s = value.get_ref<const std::string&>();
  if (s.empty()) return "unknown";
  if (s.size() > 32) return "other";
  for (char ch : s) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
          ch == '.')) {
      return "other";
    }
  }
  return s;
}

bool nonEmpty(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return false;
  if (it->is_string() || it->is_array() || it->is_object()) return !it->empty();
  return true;
}

bool anyItemFailed(const Json& list) {
  if (!list.is_array()) return false;
  for (const auto& item : list) {
    if (item.is_object() && nonEmpty(item, "error")) return true;
  }
  return false;
}

const Json* sectionOf(const Json& observed, const char* domain) {
  auto it = observed.find(domain);
  return it != observed.end() && it->is_object() ? &*it : nullptr;
}

// Counts of `items` by a label read from each; `always` are shown even at 0 so that an alert on
// one of them has a series to compare.
std::map<std::string, int64_t> countBy(const Json& items, const char* key,
                                       std::initializer_list<const char*> always) {
  std::map<std::string, int64_t> counts;
  for (const char* a : always) counts[a] = 0;
  if (!items.is_array()) return counts;
  for (const auto& item : items) {
    if (!item.is_object()) continue;
    auto it = item.find(key);
    ++counts[word(it == item.end() ? Json() : *it)];
  }
  return counts;
}

void appendCounts(std::string& out, const std::string& name, const std::string& help,
                  const std::string& label, const std::map<std::string, int64_t>& counts) {
  appendHelp(out, name, "gauge", help);
  for (const auto& [value, n] : counts) {
    appendMetric(out, name, label + "=\"" + value + "\"", static_cast<double>(n));
  }
}

void appendSystem(std::string& out, const Json& system) {
  auto generation = system.find("generation");
  appendSingle(
      out, "photon_agent_system_generation", "gauge",
      "Number of the system profile's current generation (0: none yet)",
      generation != system.end() && generation->is_number() ? generation->get<double>() : 0);
  std::string outcome = word(system.value("outcome", Json()));
  appendHelp(out, "photon_agent_system_outcome", "gauge",
             "1 for the outcome of the last system activation (applied, activating, failed, "
             "rolled-back)");
  bool known = false;
  for (const auto& entry : common::EnumNames<common::ActivationOutcome>::kNames) {
    const std::string_view name = entry.second;
    known = known || outcome == name;
    appendMetric(out, "photon_agent_system_outcome", "outcome=\"" + std::string(name) + "\"",
                 outcome == name ? 1 : 0);
  }
  if (!known) appendMetric(out, "photon_agent_system_outcome", "outcome=\"" + outcome + "\"", 1);
  appendSingle(out, "photon_agent_reboot_required", "gauge",
               "1 when the active system's kernel, initrd or modules differ from the booted one's",
               system.value("reboot_required", false) == true ? 1 : 0);
}

void appendBgp(std::string& out, const Json& bgp) {
  // The domain's own report (common/api/bgp_report.h); one that does not read counts nothing.
  auto report = common::bgpReportFromJson(bgp, "bgp");
  int64_t up = 0, down = 0;
  double announced = 0;
  if (report) {
    for (const auto& s : report->sessions) ++(s.established() ? up : down);
    announced = static_cast<double>(report->announced.size());
  }
  appendCounts(out, "photon_agent_bgp_sessions", "BGP sessions of this node's BIRD by state",
               "state", {{"up", up}, {"down", down}});
  appendSingle(out, "photon_agent_vips_announced", "gauge", "VIPs this node announces now",
               announced);
}
}  // namespace

bool domainFailed(const std::string& domain, const Json& observed) {
  if (!observed.is_object()) return true;
  if (nonEmpty(observed, "error") || nonEmpty(observed, "errors") ||
      nonEmpty(observed, "desired_error")) {
    return true;
  }
  if (domain == "system") {
    return observed.value("outcome", Json()) ==
           std::string(common::toString(common::ActivationOutcome::kFailed));
  }
  if (domain == "units") return anyItemFailed(observed.value("instances", Json()));
  if (domain == "vms") return anyItemFailed(observed.value("vms", Json()));
  return false;
}

void AgentMetrics::record(const PassRecord& pass) {
  common::MutexLock lock(mutex_);
  ++passes_;
  reachable_ = pass.fetched && pass.reported;
  if (reachable_) {
    last_success_ = pass.wall_time;
  } else {
    ++failed_polls_;
  }
  applied_revision_ = pass.applied_revision;
  for (const auto& [domain, seconds] : pass.seconds) {
    auto& d = domains_[domain];
    d.last_seconds = seconds;
    d.total_seconds += seconds;
    ++d.passes;
    auto it = pass.domains.find(domain);
    d.failing = domainFailed(domain, it == pass.domains.end() ? Json() : *it);
    if (d.failing) ++d.errors;
  }
  observed_ = pass.domains;
}

std::string AgentMetrics::render() const {
  common::MutexLock lock(mutex_);
  std::string out;
  appendHelp(out, "photon_agent_info", "gauge", "The agent's version");
  appendMetric(out, "photon_agent_info", "version=\"" + word(Json(version_)) + "\"", 1);
  appendSingle(out, "photon_agent_passes_total", "counter", "Passes of the run loop", passes_);
  appendSingle(out, "photon_agent_poll_failures_total", "counter",
               "Passes whose poll or report the coordinator did not answer", failed_polls_);
  appendSingle(out, "photon_agent_coordinator_reachable", "gauge",
               "1 when the last pass polled and reported to the coordinator", reachable_ ? 1 : 0);
  appendSingle(out, "photon_agent_last_successful_poll_timestamp_seconds", "gauge",
               "When the coordinator last answered a poll and took the report (0: never)",
               last_success_);
  appendSingle(out, "photon_agent_desired_revision_applied", "gauge",
               "Revision of the desired document the agent runs", applied_revision_);

  appendHelp(out, "photon_agent_reconcile_last_duration_seconds", "gauge",
             "How long the domain's last reconcile took");
  for (const auto& [d, c] : domains_) {
    appendMetric(out, "photon_agent_reconcile_last_duration_seconds", "domain=\"" + d + "\"",
                 c.last_seconds);
  }
  appendHelp(out, "photon_agent_reconcile_duration_seconds_total", "counter",
             "Time spent reconciling the domain");
  for (const auto& [d, c] : domains_) {
    appendMetric(out, "photon_agent_reconcile_duration_seconds_total", "domain=\"" + d + "\"",
                 c.total_seconds);
  }
  appendHelp(out, "photon_agent_reconciles_total", "counter", "Reconciles of the domain");
  for (const auto& [d, c] : domains_) {
    appendMetric(out, "photon_agent_reconciles_total", "domain=\"" + d + "\"",
                 static_cast<double>(c.passes));
  }
  appendHelp(out, "photon_agent_reconcile_errors_total", "counter",
             "Reconciles of the domain whose report carried an error");
  for (const auto& [d, c] : domains_) {
    appendMetric(out, "photon_agent_reconcile_errors_total", "domain=\"" + d + "\"",
                 static_cast<double>(c.errors));
  }
  appendHelp(out, "photon_agent_reconcile_failing", "gauge",
             "1 when the domain's last reconcile reported an error");
  for (const auto& [d, c] : domains_) {
    appendMetric(out, "photon_agent_reconcile_failing", "domain=\"" + d + "\"", c.failing ? 1 : 0);
  }

  // The domains' own state, from their last reports; a domain not running here has none.
  if (const Json* system = sectionOf(observed_, "system")) appendSystem(out, *system);
  if (const Json* units = sectionOf(observed_, "units")) {
    appendCounts(
        out, "photon_agent_units", "Placed instances on this node by health", "health",
        countBy(units->value("instances", Json()), "health", {"healthy", "unhealthy", "starting"}));
  }
  if (const Json* vms = sectionOf(observed_, "vms")) {
    appendCounts(out, "photon_agent_vms", "VMs on this node by state", "state",
                 countBy(vms->value("vms", Json()), "status", {"running", "stopped"}));
  }
  if (const Json* bgp = sectionOf(observed_, "bgp")) appendBgp(out, *bgp);
  return out;
}

}  // namespace photon::agent
