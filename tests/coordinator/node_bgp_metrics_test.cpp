// The fleet's BGP gauges (coordinator/api/node_bgp.h) over a real SQLite store, as a scrape sees
// reports move: an agent's report changes on every poll (its report time), and a scrape parses
// again only the reports whose BGP part changed, with the figures a parse of every report gives.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "common/api/bgp_report.h"
#include "coordinator/api/node_bgp.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using common::Json;

namespace {

Json bgpPart(common::BgpSessionState second) {
  common::BgpReport r{.config = common::BgpConfigState::kApplied,
                      .announced = {"10.0.9.1/32", "10.0.9.2/32"},
                      .sessions = {{.name = "tor",
                                    .protocol_state = "up",
                                    .info = "Established",
                                    .session = common::BgpSessionState::kEstablished},
                                   {.name = "rr",
                                    .protocol_state = "start",
                                    .info = std::string(common::toString(second)),
                                    .session = second}}};
  return common::toJson(r);
}

class Fleet {
 public:
  Fleet() {
    auto store = coordinator::SqliteStore::open(dir_.file("data"));
    REQUIRE(store);
    store_ = std::move(*store);
  }

  // What the coordinator stores of node `id`'s report at `reported_at` (bgp null: none).
  void report(const std::string& id, const Json& bgp, int64_t reported_at) {
    Json domains = {{"units", {{"instances", Json::array()}}}};
    if (!bgp.is_null()) domains["bgp"] = bgp;
    Json doc = {{"domains", domains}, {"reported_at", reported_at}};
    coordinator::Txn txn;
    txn.put(coordinator::keys::observed(id), doc.dump());
    REQUIRE(store_->commit(txn));
    alive_.insert(id);
  }

  std::string scrape() {
    std::string out;
    metrics_.append(out, *store_, alive_);
    return out;
  }
  size_t lastParsed() const { return metrics_.lastParsed(); }

 private:
  test::TempDir dir_;
  std::unique_ptr<coordinator::Store> store_;
  std::set<std::string> alive_;
  coordinator::BgpMetrics metrics_;
};

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("bgp metrics: a report that changes only its report time is not parsed again", "[bgp]") {
  Fleet fleet;
  const Json active = bgpPart(common::BgpSessionState::kActive);
  fleet.report("a", active, 100);
  fleet.report("b", active, 100);
  fleet.report("c", nullptr, 100);  // runs no BGP
  const std::string first = fleet.scrape();
  CHECK(fleet.lastParsed() == 3);
  CHECK(has(first, "photon_bgp_sessions{state=\"Established\"} 2"));
  CHECK(has(first, "photon_bgp_sessions{state=\"Active\"} 2"));
  CHECK(has(first, "photon_bgp_nodes{config=\"applied\"} 2"));
  CHECK(has(first, "photon_bgp_vips_announced 4"));

  // Every agent polls again: new report times, the same BGP parts.
  for (const char* id : {"a", "b"}) fleet.report(id, active, 101);
  fleet.report("c", nullptr, 101);
  CHECK(fleet.scrape() == first);
  CHECK(fleet.lastParsed() == 0);
  CHECK(fleet.scrape() == first);  // and nothing moved since
  CHECK(fleet.lastParsed() == 0);
}

TEST_CASE("bgp metrics: a changed BGP part is parsed again and moves the figures", "[bgp]") {
  Fleet fleet;
  fleet.report("a", bgpPart(common::BgpSessionState::kActive), 100);
  fleet.report("b", bgpPart(common::BgpSessionState::kActive), 100);
  fleet.report("c", nullptr, 100);
  fleet.scrape();

  // b's second session comes up; c starts reporting BGP; a only polls.
  fleet.report("a", bgpPart(common::BgpSessionState::kActive), 101);
  fleet.report("b", bgpPart(common::BgpSessionState::kEstablished), 101);
  fleet.report("c", bgpPart(common::BgpSessionState::kIdle), 101);
  std::string m = fleet.scrape();
  CHECK(fleet.lastParsed() == 2);
  CHECK(has(m, "photon_bgp_sessions{state=\"Established\"} 4"));
  CHECK(has(m, "photon_bgp_sessions{state=\"Active\"} 1"));
  CHECK(has(m, "photon_bgp_sessions{state=\"Idle\"} 1"));
  CHECK(has(m, "photon_bgp_nodes{config=\"applied\"} 3"));

  // A state this coordinator does not know: unreadable, and readable again once it is gone.
  Json bad = bgpPart(common::BgpSessionState::kActive);
  bad["sessions"][1]["session_state"] = "Dancing";
  fleet.report("a", bad, 102);
  m = fleet.scrape();
  CHECK(fleet.lastParsed() == 1);
  CHECK(has(m, "photon_bgp_reports_unreadable 1"));
  CHECK(has(m, "photon_bgp_nodes{config=\"applied\"} 2"));
  fleet.report("a", bad, 103);  // still the same unreadable part: still counted, not parsed
  m = fleet.scrape();
  CHECK(fleet.lastParsed() == 0);
  CHECK(has(m, "photon_bgp_reports_unreadable 1"));
  fleet.report("a", bgpPart(common::BgpSessionState::kActive), 104);
  m = fleet.scrape();
  CHECK(fleet.lastParsed() == 1);
  CHECK(has(m, "photon_bgp_reports_unreadable 0"));
  CHECK(has(m, "photon_bgp_sessions{state=\"Active\"} 1"));
  CHECK(has(m, "photon_bgp_nodes{config=\"applied\"} 3"));

  // c stops running BGP.
  fleet.report("c", nullptr, 105);
  m = fleet.scrape();
  CHECK(fleet.lastParsed() == 1);
  CHECK(has(m, "photon_bgp_sessions{state=\"Idle\"} 0"));
  CHECK(has(m, "photon_bgp_nodes{config=\"applied\"} 2"));
}
