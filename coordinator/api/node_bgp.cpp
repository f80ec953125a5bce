#include "coordinator/api/node_bgp.h"

#include <functional>
#include <string_view>

#include "common/json_member_text.h"
#include "common/prometheus_text.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {
namespace {
using common::BgpConfigState;
using common::BgpSessionState;
using common::Json;

// A session BIRD names no state for (its protocol is down, disabled or starting).
constexpr std::string_view kNoSessionState = "none";

std::string sessionLabel(const common::BgpSessionReport& s) {
  return std::string(s.session ? common::toString(*s.session) : kNoSessionState);
}

// A digest of the text of a stored report's "bgp" part, found by a scan instead of a parse (a
// scrape after all 10,000 reports of 1.7 kB moved: ~50 ms instead of ~430 ms,
// tests/bench/bgp_metrics_bench); nullopt when the scan cannot tell. Two texts with one digest
// (a 64-bit hash: odds of 2^-64 per change) would keep the old counts until the next change of
// the BGP part.
std::optional<size_t> bgpDigest(std::string_view stored) {
  const common::MemberText bgp = common::findMemberText(stored, {"domains", "bgp"});
  switch (bgp.lookup) {
    case common::MemberLookup::kFound:
      return std::hash<std::string_view>{}(bgp.text);
    case common::MemberLookup::kAbsent:
      return std::hash<std::string_view>{}("");  // no value's text is empty
    case common::MemberLookup::kUnsure:
      break;
  }
  return std::nullopt;
}

}  // namespace

Json nodeBgpView(const Json& observed) {
  auto report = common::bgpReportFromObserved(observed);
  if (!report) return Json{{"error", report.error().message}, {"field", report.error().field}};
  const std::optional<common::BgpReport>& found = *report;
  if (!found) return nullptr;
  return Json{{"report", common::toJson(*found)}};
}

BgpMetrics::NodeCounts BgpMetrics::countsOf(const KeyValue& kv, std::optional<size_t> bgp_digest) {
  NodeCounts counts;
  counts.mod_revision = kv.mod_revision;
  auto body = parseStored(kv);
  if (!body) {
    counts.readable = false;
    return counts;
  }
  // Only a report that parses vouches for its digest. (The scan locates, it does not validate:
  // a later text is trusted to parse because the store holds only reports the coordinator
  // parsed and wrote again itself, Inventory::putObserved.)
  counts.bgp_digest = bgp_digest;
  auto report = common::bgpReportFromObserved(*body);
  if (!report) {
    counts.readable = false;
    return counts;
  }
  const std::optional<common::BgpReport>& found = *report;
  if (!found) return counts;
  counts.reports = true;
  counts.config = found->config;
  for (const auto& s : found->sessions) ++counts.sessions[sessionLabel(s)];
  counts.announced = static_cast<int64_t>(found->announced.size());
  return counts;
}

size_t BgpMetrics::lastParsed() const {
  common::MutexLock lock(mutex_);
  return last_parsed_;
}

void BgpMetrics::append(std::string& out, Store& store, const std::set<std::string>& alive_nodes) {
  const std::string prefix = keys::observed("");
  auto revisions = store.revisions(prefix);
  if (!revisions) return;  // the store did not answer: this scrape shows no BGP gauges

  common::MutexLock lock(mutex_);
  std::map<std::string, NodeCounts> now;
  size_t parsed = 0;
  for (const auto& kr : *revisions) {
    std::string id = kr.key.substr(prefix.size());
    if (!alive_nodes.contains(id)) continue;
    auto known = nodes_.find(id);
    if (known != nodes_.end() && known->second.mod_revision == kr.mod_revision) {
      now.emplace(std::move(id), std::move(known->second));
      continue;
    }
    auto kv = store.get(kr.key);
    if (!kv) continue;  // the store did not answer: the next scrape asks again
    const std::optional<KeyValue>& found = *kv;
    if (!found) continue;  // gone since the listing: the next scrape will not list it
    const std::optional<size_t> digest = bgpDigest(found->value);
    if (known != nodes_.end() && digest && known->second.bgp_digest == digest) {
      // A new report with the same BGP part (its report time moved): the same counts.
      known->second.mod_revision = found->mod_revision;
      now.emplace(std::move(id), std::move(known->second));
      continue;
    }
    ++parsed;
    now.emplace(std::move(id), countsOf(*found, digest));
  }
  nodes_ = std::move(now);  // a node gone, retired or missing is forgotten
  last_parsed_ = parsed;

  // Every state is shown, at 0 too, so that an alert on one has a series to compare.
  std::map<std::string, int64_t> sessions;
  for (const auto& entry : common::EnumNames<BgpSessionState>::kNames) {
    sessions[std::string(entry.second)] = 0;
  }
  sessions[std::string(kNoSessionState)] = 0;
  std::map<std::string, int64_t> configs;
  for (const auto& entry : common::EnumNames<BgpConfigState>::kNames) {
    configs[std::string(entry.second)] = 0;
  }
  int64_t announced = 0, unreadable = 0;
  for (const auto& [id, n] : nodes_) {
    if (!n.readable) ++unreadable;
    if (!n.reports) continue;
    ++configs[std::string(common::toString(n.config))];
    for (const auto& [state, count] : n.sessions) sessions[state] += count;
    announced += n.announced;
  }
  common::appendHelp(out, "photon_bgp_sessions", "gauge",
                     "BGP sessions of the alive nodes' BIRD by session state (none: the protocol "
                     "is down or starting).");
  for (const auto& [state, count] : sessions) {
    common::appendMetric(out, "photon_bgp_sessions", "state=\"" + state + "\"",
                         static_cast<double>(count));
  }
  common::appendHelp(out, "photon_bgp_nodes", "gauge",
                     "Alive nodes reporting BGP by their BIRD configuration's state.");
  for (const auto& [config, count] : configs) {
    common::appendMetric(out, "photon_bgp_nodes", "config=\"" + config + "\"",
                         static_cast<double>(count));
  }
  common::appendSingle(out, "photon_bgp_vips_announced", "gauge",
                       "VIP announcements of the alive nodes (a VIP on two nodes counts twice).",
                       static_cast<double>(announced));
  common::appendSingle(out, "photon_bgp_reports_unreadable", "gauge",
                       "Alive nodes whose BGP report does not read (GET /api/v1/nodes/{id} "
                       "names the field).",
                       static_cast<double>(unreadable));
}

}  // namespace photon::coordinator
