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

// The version is a label value: kept to a short lowercase word (with digits, '.', '_' and '-'),
// anything else is "other", so there is no escaping to get wrong.
std::string word(const std::string& s) {
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

// Counts by a state's wire name (a name table's, so a safe label value); `always` are shown
// even at 0 so that an alert on one of them has a series to compare.
template <typename E>
std::map<std::string, int64_t> zeroed(std::initializer_list<E> always) {
  std::map<std::string, int64_t> counts;
  for (E state : always) counts[std::string(common::toString(state))] = 0;
  return counts;
}

void appendCounts(std::string& out, const std::string& name, const std::string& help,
                  const std::string& label, const std::map<std::string, int64_t>& counts) {
  appendHelp(out, name, "gauge", help);
  for (const auto& [value, n] : counts) {
    appendMetric(out, name, label + "=\"" + value + "\"", static_cast<double>(n));
  }
}

void appendSystem(std::string& out, const SystemGauges& system) {
  appendSingle(out, "photon_agent_system_generation", "gauge",
               "Number of the system profile's current generation (0: none yet)",
               static_cast<double>(system.generation));
  appendHelp(out, "photon_agent_system_outcome", "gauge",
             "1 for the outcome of the last system activation (applied, activating, failed, "
             "rolled-back)");
  for (const auto& entry : common::EnumNames<common::ActivationOutcome>::kNames) {
    appendMetric(out, "photon_agent_system_outcome",
                 "outcome=\"" + std::string(entry.second) + "\"",
                 system.outcome == entry.first ? 1 : 0);
  }
  appendSingle(out, "photon_agent_reboot_required", "gauge",
               "1 when the active system's kernel, initrd or modules differ from the booted one's",
               system.reboot_required ? 1 : 0);
}

void appendUnits(std::string& out, const common::UnitsReport& units) {
  using common::InstanceHealth;
  auto counts =
      zeroed({InstanceHealth::kHealthy, InstanceHealth::kUnhealthy, InstanceHealth::kStarting});
  for (const auto& i : units.instances) {
    // kUnknown's wire name is "": no check has run yet.
    const std::string_view name = common::toString(i.health);
    ++counts[name.empty() ? "unknown" : std::string(name)];
  }
  appendCounts(out, "photon_agent_units", "Placed instances on this node by health", "health",
               counts);
}

void appendVms(std::string& out, const common::VmsReport& vms) {
  auto counts = zeroed({common::VmStatus::kRunning, common::VmStatus::kStopped});
  for (const auto& vm : vms.vms) ++counts[std::string(common::toString(vm.status))];
  appendCounts(out, "photon_agent_vms", "VMs on this node by state", "state", counts);
}

void appendBgp(std::string& out, const common::BgpReport& report) {
  int64_t up = 0, down = 0;
  for (const auto& s : report.sessions) ++(s.established() ? up : down);
  appendCounts(out, "photon_agent_bgp_sessions", "BGP sessions of this node's BIRD by state",
               "state", {{"up", up}, {"down", down}});
  appendSingle(out, "photon_agent_vips_announced", "gauge", "VIPs this node announces now",
               static_cast<double>(report.announced.size()));
}

void appendUnreadable(std::string& out, const DomainReports& reports) {
  if (reports.reported.empty()) return;
  appendHelp(out, "photon_agent_report_unreadable", "gauge",
             "1 when the domain's last report did not read with its typed reader (it counts "
             "nothing then)");
  for (const auto& domain : reports.reported) {
    appendMetric(out, "photon_agent_report_unreadable", "domain=\"" + domain + "\"",
                 reports.unreadable.contains(domain) ? 1 : 0);
  }
}
}  // namespace

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
  reports_ = readDomainReports(pass.domains);
}

std::string AgentMetrics::render() const {
  common::MutexLock lock(mutex_);
  std::string out;
  appendHelp(out, "photon_agent_info", "gauge", "The agent's version");
  appendMetric(out, "photon_agent_info", "version=\"" + word(version_) + "\"", 1);
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
  if (reports_.system) appendSystem(out, *reports_.system);
  if (reports_.units) appendUnits(out, *reports_.units);
  if (reports_.vms) appendVms(out, *reports_.vms);
  if (reports_.bgp) appendBgp(out, *reports_.bgp);
  appendUnreadable(out, reports_);
  return out;
}

}  // namespace photon::agent
