// The coordinator on etcd against the coordinator on SQLite, in one run (scripts/bench.d/15-etcd):
// agents' poll throughput (GET desired, If-None-Match -> 304), write latency (PUT a desired
// section, one writer) and write throughput (8 writers), each through a real photon-coordinator
// process; then the failover time of three coordinators on etcd when the leader is killed -9
// and when it is stopped cleanly. etcd: 3 real members on loopback, fsync on.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "common/log.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/etcd_metrics.h"
#include "tests/support/process_cpu.h"

using namespace photon;
using common::Json;
using Clock = std::chrono::steady_clock;

namespace {
double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::unique_ptr<common::HttpClient> client(const std::string& url, const char* token) {
  auto c = common::HttpClient::create(url);
  if (!c) throw std::runtime_error(c.error().message);
  (*c)->setToken(token);
  return std::move(*c);
}

// Enrolls `count` machines from `threads` clients; returns their node ids.
std::vector<std::string> enroll(const std::string& url, int count, int threads) {
  std::vector<std::string> ids(count);
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      auto boot = client(url, test::kBootstrapToken);
      for (int i = next++; i < count; i = next++) {
        auto r = boot->request("POST", "/api/v1/phone-home",
                               test::CoordinatorFixture::machine(i).dump());
        if (r && r->status == 200) ids[i] = Json::parse(r->body)["node_id"];
      }
    });
  }
  for (auto& t : pool) t.join();
  std::erase(ids, std::string());
  return ids;
}

void pollThroughput(const std::string& name, const std::string& url,
                    const std::vector<std::string>& ids, int seconds) {
  auto admin = client(url, test::kAdminToken);
  std::vector<std::string> etags;
  for (const auto& id : ids) {
    auto r = admin->request("GET", "/api/v1/nodes/" + id + "/desired");
    etags.push_back(r ? r->header("etag") : "");
  }
  std::atomic<long> done{0}, not304{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t) {
    pool.emplace_back([&, t] {
      auto c = client(url, test::kAdminToken);
      for (size_t i = t; !stop; i = (i + 8) % ids.size()) {
        auto r = c->request("GET", "/api/v1/nodes/" + ids[i] + "/desired", {},
                            {{"If-None-Match", etags[i]}});
        if (!r || r->status != 304) ++not304;
        ++done;
      }
    });
  }
  auto started = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : pool) t.join();
  double s = msSince(started) / 1000;
  std::printf("%-7s poll (GET desired -> 304, 8 clients, %zu nodes): %.0f req/s, %ld not 304\n",
              name.c_str(), ids.size(), done / s, not304.load());
}

void writeLatency(const std::string& name, const std::string& url,
                  const std::vector<std::string>& ids, int writes) {
  auto admin = client(url, test::kAdminToken);
  std::vector<double> ms;
  int failed = 0;
  for (int i = 0; i < writes; ++i) {
    auto t = Clock::now();
    auto r = admin->request("PUT", "/api/v1/nodes/" + ids[i % ids.size()] + "/desired/app",
                            Json{{"v", i}}.dump());
    ms.push_back(msSince(t));
    if (!r || r->status != 200) ++failed;
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "%-7s write latency (PUT desired section, 1 writer, %d writes): median %.2f ms, "
      "p99 %.2f ms, %d failed\n",
      name.c_str(), writes, ms[ms.size() / 2], ms[ms.size() * 99 / 100], failed);

  std::atomic<int> next{0}, bad{0};
  auto started = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t) {
    pool.emplace_back([&] {
      auto c = client(url, test::kAdminToken);
      for (int i = next++; i < writes; i = next++) {
        auto r = c->request("PUT", "/api/v1/nodes/" + ids[i % ids.size()] + "/desired/app",
                            Json{{"w", i}}.dump());
        if (!r || r->status != 200) ++bad;
      }
    });
  }
  for (auto& t : pool) t.join();
  std::printf("%-7s write throughput (8 writers, distinct nodes): %.0f writes/s, %d failed\n",
              name.c_str(), writes / (msSince(started) / 1000), bad.load());
}

bool leads(const std::string& url) {
  auto c = common::HttpClient::create(url, {.connect_timeout = std::chrono::milliseconds(200),
                                            .read_timeout = std::chrono::seconds(1)});
  if (!c) return false;
  auto r = (*c)->request("GET", "/health");
  if (!r || r->status != 200) return false;
  auto j = Json::parse(r->body, nullptr, false);
  return j.is_object() && j.value("leader", false);
}

// Three coordinators; kill (or stop) the leader `rounds` times, starting a fresh coordinator in
// its place each time; prints the times until a survivor leads.
void failover(const test::EtcdCluster& etcd, const test::TempDir& dir, int ttl, int signal,
              int rounds) {
  std::vector<std::unique_ptr<test::CoordinatorProcess>> coords;
  int serial = 0;
  auto start = [&] {
    coords.push_back(std::make_unique<test::CoordinatorProcess>(
        dir,
        "f" + std::to_string(ttl) + "-" + std::to_string(signal) + "-" + std::to_string(serial++),
        std::vector<std::string>{
            "--store", "etcd", "--etcd-endpoints", etcd.endpoints(), "--etcd-prefix",
            "/bench-failover-" + std::to_string(ttl) + "-" + std::to_string(signal) + "/",
            "--lease-ttl", std::to_string(ttl), "--log-level", "warning"}));
  };
  for (int i = 0; i < 3; ++i) start();
  std::vector<double> times;
  for (int round = 0; round < rounds; ++round) {
    int leader = -1;
    for (int i = 0; i < 400 && leader < 0; ++i) {
      for (size_t c = 0; c < coords.size(); ++c) {
        if (coords[c] && leads(coords[c]->url())) leader = static_cast<int>(c);
      }
      if (leader < 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (leader < 0) {
      std::printf("failover: no leader\n");
      return;
    }
    auto killed = Clock::now();
    coords[leader]->kill(signal);
    coords[leader].reset();
    bool taken = false;
    for (int i = 0; i < 2000 && !taken && msSince(killed) < 30000; ++i) {
      for (auto& c : coords) {
        if (c && leads(c->url())) taken = true;
      }
      if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (taken) times.push_back(msSince(killed));
    start();
  }
  std::sort(times.begin(), times.end());
  std::printf("failover (3 coordinators, lease TTL %d s, leader %s): ", ttl,
              signal == SIGKILL ? "killed -9" : "stopped (SIGTERM)");
  for (double t : times) std::printf("%.0f ", t);
  std::printf("ms (%zu of %d rounds)\n", times.size(), rounds);
}
}  // namespace

int main(int argc, char** argv) {
  int nodes = argc > 1 ? std::atoi(argv[1]) : 1000;
  int seconds = argc > 2 ? std::atoi(argv[2]) : 5;
  int writes = argc > 3 ? std::atoi(argv[3]) : 1000;
  // Machines that phone home at once (PHOTON_BENCH_ENROL_THREADS), and whether the failover
  // rounds run (PHOTON_BENCH_ETCD_FAILOVER=0 skips them).
  const char* threads_env = std::getenv("PHOTON_BENCH_ENROL_THREADS");
  int enrol_threads = threads_env ? std::max(1, std::atoi(threads_env)) : 8;
  const char* failover_env = std::getenv("PHOTON_BENCH_ETCD_FAILOVER");
  bool run_failover = !failover_env || std::string(failover_env) != "0";
  common::setLogLevel(common::LogLevel::kWarning);
  test::EtcdCluster etcd(3);
  if (!etcd.ready()) {
    std::cerr << "etcd: " << etcd.error() << "\n";
    return 1;
  }
  test::TempDir dir;
  std::vector<std::pair<std::string, std::vector<std::string>>> backends = {
      {"sqlite",
       {"--data-dir", dir.file("sqlite"), "--log-level", "warning", "--max-discovered", "0"}},
      {"etcd",
       {"--store", "etcd", "--etcd-endpoints", etcd.endpoints(), "--etcd-prefix", "/bench/",
        "--log-level", "warning", "--max-discovered", "0"}}};
  for (const auto& [name, args] : backends) {
    test::CoordinatorProcess coordinator(dir, "bench-" + name, args);
    if (coordinator.port() < 0) {
      std::cerr << name << ": the coordinator did not start (" << coordinator.logFile() << ")\n";
      return 1;
    }
    auto started = Clock::now();
    const std::string pid = std::to_string(coordinator.pid());
    double cpu_before = test::processCpuSeconds(pid);
    const auto etcd_before = test::etcdWork(etcd);
    auto ids = enroll(coordinator.url(), nodes, enrol_threads);
    std::printf("%-7s phone-home: %zu machines from %d threads in %.2f s, coordinator CPU %.2f s\n",
                name.c_str(), ids.size(), enrol_threads, msSince(started) / 1000,
                test::processCpuSeconds(pid) - cpu_before);
    if (name == "etcd" && !ids.empty()) {
      // Where an enrolment's time goes on etcd: its transactions (one per group commit, plus
      // what the control thread writes), the keys they put, and the members' fsyncs and CPU.
      const auto spent = test::etcdWork(etcd) - etcd_before;
      const double n = static_cast<double>(ids.size());
      const double members = static_cast<double>(etcd.members());
      std::printf(
          "etcd    phone-home cost in etcd: %.3f txns and %.2f keys put per enrolment "
          "(%.0f txns), %.3f WAL fsyncs per enrolment per member (%.1f ms each), "
          "members' CPU %.2f s (%.2f ms per enrolment)\n",
          spent.txns / members / n, spent.put_keys / members / n, spent.txns / members,
          spent.fsyncs / members / n,
          spent.fsyncs > 0 ? spent.fsync_seconds / spent.fsyncs * 1000 : 0.0, spent.cpu_seconds,
          spent.cpu_seconds / n * 1000);
    }
    if (ids.empty()) return 1;
    pollThroughput(name, coordinator.url(), ids, seconds);
    writeLatency(name, coordinator.url(), ids, writes);
  }
  if (!run_failover) return 0;
  failover(etcd, dir, 2, SIGKILL, 5);
  failover(etcd, dir, 10, SIGKILL, 2);
  failover(etcd, dir, 10, SIGTERM, 5);
  return 0;
}
