// The placement controller's round with its store I/O: a coordinator on a real SQLite file (or
// a real 3-member etcd: fourth argument "etcd") with N active nodes and S services x R
// replicas; times the first round (placing everything and writing every hosting node's desired
// units), idle rounds, the round that starts a service's rolling update, and the failover round
// after a node goes missing; each with the round's CPU time, since the machine is shared.
// Run: scripts/bench 25-placement (figures in docs/benchmarks.md).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/http_client.h"
#include "common/log.h"
#include "coordinator/auth/tokens.h"
#include "coordinator/coordinator_server.h"
#include "coordinator/placement/placement_controller.h"
#include "coordinator/store/etcd_store.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/fakes/manual_clock.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using common::Json;
using Clock = std::chrono::steady_clock;

namespace {
double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

bool ok(const common::Result<common::HttpResponse>& r) {
  return r && r->status / 100 == 2;
}

double threadCpuMs() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

// This process's resident memory (the coordinator is in it, with the bench's small share).
double rssMib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) / 1024;
  }
  return -1;
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// With PHOTON_BENCH_PERF_CTL naming perf's control fifo (`perf record --control
// fifo:<path> -D -1 ...`), only the rounds after placing are profiled, not the long set-up.
void perfControl(const char* command) {
  const char* path = std::getenv("PHOTON_BENCH_PERF_CTL");
  if (!path) return;
  std::ofstream fifo(path);
  fifo << command << "\n" << std::flush;
}

// One control round timed: wall-clock and this thread's CPU (the round runs here).
struct Timed {
  double wall_ms = 0;
  double cpu_ms = 0;
};
template <typename F>
Timed timed(F&& f) {
  double cpu = threadCpuMs();
  auto started = Clock::now();
  f();
  return {ms(Clock::now() - started), threadCpuMs() - cpu};
}

std::unique_ptr<coordinator::Store> openStore(const std::string& kind, test::TempDir& dir,
                                              std::unique_ptr<test::EtcdCluster>& etcd) {
  if (kind == "sqlite") {
    auto store = coordinator::SqliteStore::open(dir.file("data"));
    if (store) return std::move(*store);
    std::fprintf(stderr, "open store: %s\n", store.error().message.c_str());
    return nullptr;
  }
  etcd = std::make_unique<test::EtcdCluster>(3);
  if (!etcd->ready()) {
    std::fprintf(stderr, "etcd: %s\n", etcd->error().c_str());
    return nullptr;
  }
  coordinator::EtcdOptions options;
  options.endpoints = etcd->clientUrls();
  auto client = coordinator::EtcdClient::create(options);
  if (!client) return nullptr;
  auto store = coordinator::EtcdStore::open(std::move(*client), "/bench/");
  if (!store) {
    std::fprintf(stderr, "open etcd store: %s\n", store.error().message.c_str());
    return nullptr;
  }
  return std::move(*store);
}
}  // namespace

int main(int argc, char** argv) {
  const int node_count = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int service_count = argc > 2 ? std::atoi(argv[2]) : 100;
  const int replicas = argc > 3 ? std::atoi(argv[3]) : 100;
  const std::string kind = argc > 4 ? argv[4] : "sqlite";
  common::setLogLevel(common::LogLevel::kError);
  std::printf("store %s, load average at start %s\n", kind.c_str(), loadAverage().c_str());

  test::TempDir dir;
  std::unique_ptr<test::EtcdCluster> etcd;
  auto store = openStore(kind, dir, etcd);
  if (!store) return 1;
  test::ManualClock clock;
  coordinator::CoordinatorOptions options;
  options.max_discovered = 0;  // a bench enrols thousands of machines at once
  options.admin_token_hash = coordinator::sha256Hex(test::kAdminToken);
  options.bootstrap_token_hash = coordinator::sha256Hex(test::kBootstrapToken);
  options.sweep_interval = std::chrono::hours(1);  // rounds only when the bench asks
  options.wake_on_changes = false;
  coordinator::CoordinatorServer server(std::move(store), clock, options);
  auto port = server.start();
  if (!port) return 1;
  auto admin = common::HttpClient::create("http://127.0.0.1:" + std::to_string(*port));
  (*admin)->setToken(test::kAdminToken);

  Json cluster = test::CoordinatorFixture::sampleCluster();
  cluster["pools"][0]["cidr"] = "10.0.0.0/16";
  cluster["pools"][0]["gateway"] = "10.0.0.1";
  cluster["pools"][0]["range_start"] = "10.0.0.10";
  cluster["pools"][0]["range_end"] = "10.0.255.250";
  cluster["settings"]["node_ttl_s"] = 30;
  cluster["placement"] = {{"failover_grace_s", 10}};
  if (!ok((*admin)->request("PUT", "/api/v1/cluster", cluster.dump()))) return 1;

  // Nodes straight through the inventory (the HTTP path is the coordinator benchmark's).
  auto& inventory = server.inventory();
  std::vector<std::string> ids;
  auto enrolled = Clock::now();
  for (int i = 0; i < node_count; ++i) {
    Json m = test::CoordinatorFixture::machine(i, 32);
    m["facts"]["memory_bytes"] = int64_t{128} << 30;
    auto request = common::phoneHomeFromJson(m);
    auto home = request ? inventory.phoneHome(*request) : std::unexpected(request.error());
    if (!home) {
      std::fprintf(stderr, "phone-home %d: %s\n", i, home.error().message.c_str());
      return 1;
    }
    ids.push_back(home->node.id);
    if (!inventory.putObserved(ids.back(), Json{{"install", {{"phase", "installed"}}}})) return 1;
    if (!inventory.patchNode(ids.back(), {{"labels", {{"rack", "r" + std::to_string(i % 20)}}}})) {
      return 1;
    }
  }
  std::printf("setup: %d active nodes in %.0f ms\n", node_count, ms(Clock::now() - enrolled));
  for (int s = 0; s < service_count; ++s) {
    Json spec = {{"replicas", replicas},
                 {"resources", {{"cpu_millis", 200}, {"memory_bytes", 256 << 20}}},
                 {"spread", {{"label", "rack"}}},
                 {"instance", {{"exec", {"/run/current-system/sw/bin/svc", std::to_string(s)}}}}};
    if (!ok((*admin)->request("PUT", "/api/v1/services/svc-" + std::to_string(s), spec.dump()))) {
      return 1;
    }
  }

  auto started = Clock::now();
  server.sweepOnce();
  auto first = Clock::now() - started;
  // The round after the first confirms its plans (each service it wrote is planned once more).
  auto& kept = server.store();
  int64_t revision = kept.revision();
  Timed settle = timed([&] { server.sweepOnce(); });
  std::printf(
      "round after the first: %.1f ms wall, %.1f ms CPU, %zu services planned, %lld "
      "store writes\n",
      settle.wall_ms, settle.cpu_ms, server.placement().lastPlanned(),
      static_cast<long long>(kept.revision() - revision));
  // Idle rounds: wall-clock and this thread's CPU time, the median of 5.
  auto idleRounds = [&](const char* what) {
    std::vector<double> idle_ms, idle_cpu_ms;
    size_t planned = 0;
    for (int i = 0; i < 5; ++i) {
      Timed t = timed([&] { server.sweepOnce(); });
      idle_ms.push_back(t.wall_ms);
      idle_cpu_ms.push_back(t.cpu_ms);
      planned = std::max(planned, server.placement().lastPlanned());
    }
    std::sort(idle_ms.begin(), idle_ms.end());
    std::sort(idle_cpu_ms.begin(), idle_cpu_ms.end());
    std::printf(
        "idle round %s, median of 5: %.2f ms wall, %.2f ms CPU (min %.2f, max %.2f ms "
        "wall), services planned %zu\n",
        what, idle_ms[2], idle_cpu_ms[2], idle_ms.front(), idle_ms.back(), planned);
    return idle_ms[2];
  };
  perfControl("enable");
  const double idle = idleRounds("after placing");

  // A rolling update of one service: its instance changes, the round starts max_parallel.
  Json updated = {{"replicas", replicas},
                  {"resources", {{"cpu_millis", 200}, {"memory_bytes", 256 << 20}}},
                  {"spread", {{"label", "rack"}}},
                  {"update", {{"max_parallel", 10}}},
                  {"instance", {{"exec", {"/run/current-system/sw/bin/svc", "0", "v2"}}}}};
  if (!ok((*admin)->request("PUT", "/api/v1/services/svc-0", updated.dump()))) return 1;
  Timed update = timed([&] { server.sweepOnce(); });
  size_t update_planned = server.placement().lastPlanned();
  Timed update_next = timed([&] { server.sweepOnce(); });
  std::printf(
      "rolling update of one service (%d replicas, max_parallel 10): starting round "
      "%.1f ms wall, %.1f ms CPU (%zu services planned); next round %.1f ms wall, "
      "%.1f ms CPU (%zu planned)\n",
      replicas, update.wall_ms, update.cpu_ms, update_planned, update_next.wall_ms,
      update_next.cpu_ms, server.placement().lastPlanned());

  // Every node but the busiest reports; past TTL + grace the busiest one's instances move.
  auto unitsOn = [&](const std::string& id) -> size_t {
    auto desired = inventory.desired(id);
    return desired && desired->body.contains("units") ? desired->body["units"].size() : 0;
  };
  std::string victim = ids.front();
  size_t on_victim = 0;
  for (const auto& id : ids) {
    if (size_t n = unitsOn(id); n > on_victim) {
      on_victim = n;
      victim = id;
    }
  }
  clock.advance(45);
  perfControl("disable");  // (the agents' reports are not the round's work)
  for (const auto& id : ids) {
    if (id != victim && !inventory.putObserved(id, Json::object())) return 1;
  }
  perfControl("enable");
  Timed failover = timed([&] { server.sweepOnce(); });
  perfControl("disable");
  size_t failover_planned = server.placement().lastPlanned();
  size_t left = unitsOn(victim);

  const int total = service_count * replicas;
  std::printf(
      "controller round, %d instances of %d services on %d nodes (%s): first %.0f ms "
      "(%.0f placements/s with store I/O), idle %.0f ms\n",
      total, service_count, node_count, kind.c_str(), ms(first), total / (ms(first) / 1000), idle);
  std::printf(
      "controller failover round: %zu instances of a missing node moved in %.0f ms, "
      "%.0f ms CPU, %zu services planned (%zu left in its desired units)\n",
      on_victim, failover.wall_ms, failover.cpu_ms, failover_planned, left);
  std::printf("coordinator process RSS: %.0f MiB; load average at the end %s\n", rssMib(),
              loadAverage().c_str());
  server.stop();
  return left == 0 && on_victim > 0 ? 0 : 1;
}
