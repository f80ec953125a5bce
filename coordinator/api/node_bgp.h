// The nodes' BGP as their agents report it (common/api/bgp_report.h), where an operator looks:
// the node's API view (and so `photonctl node show`) carries the report as the strict reader
// took it, and /metrics the fleet's sessions by state. A report that does not read (a state
// name this coordinator does not know, a malformed entry) is shown as its error naming the
// field, and counted, never skipped in silence.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/api/bgp_report.h"
#include "common/json_fields.h"
#include "common/mutex.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

// The "bgp" part of a node's API view from its observed document: {"report": {...}} as
// bgpReportFromObserved read it, or {"error", "field"} when it does not read; null when the node
// reports no BGP.
common::Json nodeBgpView(const common::Json& observed);

// The fleet's BGP gauges from the reports of the nodes whose agent is alive (a missing node's
// last report says nothing of its sessions now): photon_bgp_sessions{state} (BIRD's session
// states, "none" where BIRD names none: the protocol is down or starting),
// photon_bgp_vips_announced, photon_bgp_nodes{config} and photon_bgp_reports_unreadable.
// Keeps what it read of each report by the report's mod_revision and a digest of its "bgp"
// part's text (common/json_member_text.h): a report moves on every poll (its report time), but
// a scrape parses only the reports whose BGP part changed since the last one. Thread-safe
// (scrapes may overlap).
class BgpMetrics {
 public:
  void append(std::string& out, Store& store, const std::set<std::string>& alive_nodes);
  // How many reports the last append parsed (the others' counts were kept).
  size_t lastParsed() const;

 private:
  // What one node's report adds to the gauges.
  struct NodeCounts {
    int64_t mod_revision = 0;
    // A digest of the text of the report's "bgp" part ("" when it has none); unset when the scan
    // could not tell (the counts are then kept only while the report's revision stays).
    std::optional<size_t> bgp_digest;
    bool readable = true;
    bool reports = false;  // the report has a bgp domain
    common::BgpConfigState config = common::BgpConfigState::kUnconfigured;
    std::map<std::string, int64_t> sessions;  // by state name
    int64_t announced = 0;
  };
  // `bgp_digest`: the digest of kv's "bgp" part, kept when the whole report parses.
  static NodeCounts countsOf(const KeyValue& kv, std::optional<size_t> bgp_digest);

  mutable common::Mutex mutex_;
  std::map<std::string, NodeCounts> nodes_ GUARDED_BY(mutex_);
  size_t last_parsed_ GUARDED_BY(mutex_) = 0;
};

}  // namespace photon::coordinator
