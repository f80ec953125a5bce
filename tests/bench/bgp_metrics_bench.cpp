// What the fleet's BGP gauges on /metrics cost a scrape (coordinator/api/node_bgp.h) with N
// alive nodes (default 10,000) whose agents report ~1.8 kB each, on a real SQLite store:
//   - the first scrape (every report read),
//   - a scrape after every agent polled once (each report rewritten with a new report time,
//     its BGP part the same): what a scrape costs in a fleet at rest,
//   - the same with 1% of the nodes' BGP part changed (a session went down),
//   - a scrape with nothing rewritten.
// Only the scrapes are timed (BgpMetrics::append, what /metrics calls), not the writes.
// Usage: bgp_metrics_bench [nodes] [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "common/api/bgp_report.h"
#include "coordinator/api/node_bgp.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using common::Json;
using Clock = std::chrono::steady_clock;

namespace {

common::BgpReport bgpOf(int node, bool session_down) {
  common::BgpReport r;
  r.config = common::BgpConfigState::kApplied;
  const std::string n = std::to_string(node % 250);
  r.announced = {"10.0.9." + n + "/32", "10.0.10." + n + "/32", "10.0.11." + n + "/32"};
  r.withdrawn = {{.address = "10.0.12." + n + "/32", .service = "db", .reason = "unhealthy"}};
  for (int i = 0; i < 2; ++i) {
    const bool down = session_down && i == 1;
    r.sessions.push_back({.name = i == 0 ? "tor_a" : "tor_b",
                          .neighbor = "10.0." + std::to_string(i) + ".1",
                          .protocol_state = down ? "start" : "up",
                          .since = "2026-12-03 10:00:0" + std::to_string(i),
                          .info = down ? "Active Socket: Connection refused" : "Established",
                          .session = down ? common::BgpSessionState::kActive
                                          : common::BgpSessionState::kEstablished});
  }
  return r;
}

// A node's stored report as the coordinator writes it: the agent's domains and its report time.
std::string reportOf(int node, int64_t reported_at, bool session_down) {
  Json instances = Json::array();
  for (int i = 0; i < 8; ++i) {
    const std::string name = "svc" + std::to_string(i) + "-" + std::to_string(node);
    instances.push_back({{"name", name},
                         {"unit", "photon-" + name + ".service"},
                         {"state", "active"},
                         {"health", "healthy"},
                         {"revision", 7},
                         {"desired_revision", 7}});
  }
  Json system = {{"outcome", "applied"},
                 {"toplevel", "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system-web"},
                 {"generation", 42}};
  Json doc = {{"install", {{"phase", "installed"}}},
              {"desired_revision", 1234},
              {"domains",
               {{"bgp", common::toJson(bgpOf(node, session_down))},
                {"units", {{"instances", instances}}},
                {"nixos", system}}},
              {"reported_at", reported_at}};
  return doc.dump();
}

void writeAll(coordinator::Store& store, int nodes, int64_t at, int every_down) {
  coordinator::Txn txn;
  for (int n = 0; n < nodes; ++n) {
    const bool down = every_down > 0 && n % every_down == 0;
    txn.put(coordinator::keys::observed("node-" + std::to_string(n)), reportOf(n, at, down));
  }
  if (!store.commit(txn)) std::fprintf(stderr, "write failed\n");
}

double scrapeMs(coordinator::BgpMetrics& metrics, coordinator::Store& store,
                const std::set<std::string>& alive, std::string& out) {
  out.clear();
  const auto begin = Clock::now();
  metrics.append(out, store, alive);
  return std::chrono::duration<double, std::milli>(Clock::now() - begin).count();
}

void print(const char* what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::printf("%-52s median %8.2f ms  min %8.2f ms  max %8.2f ms  (n=%zu)\n", what, v[v.size() / 2],
              v.front(), v.back(), v.size());
}

}  // namespace

int main(int argc, char** argv) {
  const int nodes = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10000;
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 5;
  test::TempDir dir;
  auto store = coordinator::SqliteStore::open(dir.file("data"));
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().message.c_str());
    return 1;
  }
  std::set<std::string> alive;
  for (int n = 0; n < nodes; ++n) alive.insert("node-" + std::to_string(n));
  std::printf("%d nodes, report %zu bytes\n", nodes, reportOf(0, 0, false).size());

  coordinator::BgpMetrics metrics;
  std::string out;
  int64_t at = 1'000'000;
  writeAll(**store, nodes, at, 0);
  print("first scrape", {scrapeMs(metrics, **store, alive, out)});
  const std::string first = out;

  std::vector<double> polled, changed, idle;
  for (int r = 0; r < rounds; ++r) {
    writeAll(**store, nodes, ++at, 0);  // the last round's sessions up again: not timed
    scrapeMs(metrics, **store, alive, out);
    writeAll(**store, nodes, ++at, 0);
    polled.push_back(scrapeMs(metrics, **store, alive, out));
    if (out != first) std::fprintf(stderr, "the figures moved with the report time alone\n");
    writeAll(**store, nodes, ++at, 100);
    changed.push_back(scrapeMs(metrics, **store, alive, out));
    if (out == first) std::fprintf(stderr, "the figures missed a session going down\n");
    idle.push_back(scrapeMs(metrics, **store, alive, out));
  }
  print("every report rewritten, BGP parts the same", polled);
  print("every report rewritten, 1% of BGP parts changed", changed);
  print("nothing rewritten", idle);
  return 0;
}
