// Deployment benchmark (scripts/bench.d/37-deployments): a real coordinator (SQLite, HTTP on
// loopback) rolls a generation over N simulated nodes at max_parallel P. The simulated agents
// answer "applied" as soon as they see their desired section, so what is measured is the
// coordinator's own overhead per wave.
//
//   driven:   the control thread is off; this program runs one control round (sweepOnce), then
//             lets the agents answer, and repeats: the cost of a round and of a wave, without
//             waiting for a timer.
//   interval: the control thread ticks every SWEEP_MS as in production (default 1000 ms) and
//             the agents poll every 20 ms: the wall time an operator sees.
//
// Optional: DEPLOYMENTS rollouts at once, each over its share of the nodes (label group=gK) at
// MAX_PARALLEL / DEPLOYMENTS (one record holds up to 10,000 nodes), and STORE "etcd" for a real
// 3-member etcd instead of SQLite.
//
// In driven mode the control round runs on this program's main thread: its thread CPU time is
// the coordinator's own cost per wave (the etcd members and the simulated agents apart), the
// figure a loaded machine inflates least.
#include <time.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "common/log.h"
#include "coordinator/auth/tokens.h"
#include "coordinator/coordinator_server.h"
#include "tests/support/bench_store.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/etcd_cluster.h"
#include "tests/support/process_cpu.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using common::Json;
using Clock = std::chrono::steady_clock;

namespace {
const std::string kSystem = "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-bench";

// CPU milliseconds the calling thread has used.
double threadCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double msSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct Node {
  std::string id, token;
  std::unique_ptr<common::HttpClient> client;
  bool answered = false;
};

struct Bench {
  test::TempDir dir;
  std::unique_ptr<test::EtcdCluster> etcd;
  common::SystemClock clock;
  std::unique_ptr<coordinator::CoordinatorServer> server;
  std::string url;
  std::unique_ptr<common::HttpClient> admin;
  std::vector<Node> nodes;

  Bench(std::chrono::milliseconds sweep, const std::string& kind) {
    auto store = test::openBenchStore(kind, dir, etcd);
    coordinator::CoordinatorOptions options;
    options.max_discovered = 0;  // a bench enrols thousands of machines at once
    options.admin_token_hash = coordinator::sha256Hex(test::kAdminToken);
    options.bootstrap_token_hash = coordinator::sha256Hex(test::kBootstrapToken);
    options.sweep_interval = sweep;
    // "driven" times the rounds it runs itself; "interval" shows what the woken control thread
    // gives an operator.
    options.wake_on_changes = sweep < std::chrono::hours(1);
    server = std::make_unique<coordinator::CoordinatorServer>(std::move(store), clock, options);
    auto port = server->start();
    if (!port) throw std::runtime_error(port.error().message);
    url = "http://127.0.0.1:" + std::to_string(*port);
    admin = client(test::kAdminToken);
  }

  // No keep-alive, as the agents: a held connection would hold a coordinator worker thread.
  std::unique_ptr<common::HttpClient> client(const std::string& token) {
    auto c = common::HttpClient::create(url, {.keep_alive = false});
    if (!c) throw std::runtime_error(c.error().message);
    (*c)->setToken(token);
    return std::move(*c);
  }

  Json call(common::HttpClient& c, const std::string& method, const std::string& path,
            const std::string& body, int want) {
    auto r = c.request(method, path, body);
    if (!r || r->status != want) {
      throw std::runtime_error(method + " " + path + ": " +
                               (r ? std::to_string(r->status) + " " + r->body : r.error().message));
    }
    return Json::parse(r->body, nullptr, false);
  }

  void enrol(int count, int groups) {
    Json cluster = test::CoordinatorFixture::sampleCluster();
    cluster["pools"][0]["cidr"] = "10.0.0.0/16";
    cluster["pools"][0]["gateway"] = "10.0.0.1";
    cluster["pools"][0]["range_start"] = "10.0.0.10";
    cluster["pools"][0]["range_end"] = "10.0.255.250";
    call(*admin, "PUT", "/api/v1/cluster", cluster.dump(), 200);
    auto boot = client(test::kBootstrapToken);
    for (int i = 0; i < count; ++i) {
      Json r = call(*boot, "POST", "/api/v1/phone-home",
                    test::CoordinatorFixture::machine(i).dump(), 200);
      Node n{r["node_id"], r["token"], nullptr};
      n.client = client(n.token);
      call(*n.client, "PUT", "/api/v1/nodes/" + n.id + "/observed",
           R"({"install": {"phase": "installed"}})", 200);
      if (groups > 1) {
        Json labels = {{"labels", {{"group", "g" + std::to_string(i % groups)}}}};
        if (!server->inventory().patchNode(n.id, labels)) throw std::runtime_error("label");
      }
      nodes.push_back(std::move(n));
    }
  }

  // One pass of every simulated agent: a node whose desired section names `id` reports
  // applied once. Returns how many answered.
  int answerAll() {
    int answered = 0;
    for (auto& n : nodes) {
      if (n.answered) continue;
      Json desired = call(*n.client, "GET", "/api/v1/nodes/" + n.id + "/desired", "", 200);
      Json s = desired.value("system", Json());
      if (!s.is_object() || s.value("deployment", "").empty()) continue;
      Json report = {{"outcome", "applied"},
                     {"system", s["system"]},
                     {"deployment", s["deployment"]},
                     {"generation", 2}};
      call(*n.client, "PUT", "/api/v1/nodes/" + n.id + "/observed",
           Json{{"domains", {{"system", report}}}}.dump(), 200);
      n.answered = true;
      ++answered;
    }
    return answered;
  }

  std::string create(int max_parallel, const std::string& group) {
    Json selector = {{"pool", "web"}};
    if (!group.empty()) selector["labels"] = {{"group", group}};
    Json body = {{"system", kSystem},
                 {"selector", selector},
                 {"max_parallel", max_parallel},
                 {"confirm_within_s", 60}};
    return call(*admin, "POST", "/api/v1/deployments", body.dump(), 201)["id"];
  }

  Json show(const std::string& id) {
    return call(*admin, "GET", "/api/v1/deployments/" + id, "", 200);
  }
};
}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::cerr << "usage: deployment_bench driven|interval NODES MAX_PARALLEL SWEEP_MS "
                 "[DEPLOYMENTS [sqlite|etcd]]\n";
    return 2;
  }
  std::string mode = argv[1];
  int count = std::stoi(argv[2]), parallel = std::stoi(argv[3]), sweep_ms = std::stoi(argv[4]);
  const int groups = argc > 5 ? std::max(1, std::stoi(argv[5])) : 1;
  const std::string kind = argc > 6 ? argv[6] : "sqlite";
  common::setLogLevel(common::LogLevel::kWarning);
  try {
    bool driven = mode == "driven";
    Bench b(driven ? std::chrono::milliseconds(3'600'000) : std::chrono::milliseconds(sweep_ms),
            kind);
    auto enrolled = Clock::now();
    b.enrol(count, groups);
    std::printf("deployment_bench: %d nodes enrolled on %s in %.1f s\n", count, kind.c_str(),
                msSince(enrolled) / 1000);
    // Every agent polls once before the rollout: enrolment of 10,000 machines takes longer than
    // the node TTL, and a node not seen since would be skipped as missing.
    b.answerAll();
    const std::string pid = std::to_string(::getpid());
    double cpu_before = test::processCpuSeconds(pid);
    auto started = Clock::now();
    std::vector<std::string> ids;
    for (int g = 0; g < groups; ++g) {
      ids.push_back(b.create(std::max(1, parallel / groups),
                             groups > 1 ? "g" + std::to_string(g) : std::string()));
    }
    const int waves = (count + parallel - 1) / parallel;
    int rounds = 0;
    double tick_ms = 0, tick_max = 0, agents_ms = 0, tick_cpu_ms = 0, tick_cpu_max = 0;
    auto running = [&] {
      for (const auto& id : ids) {
        if (b.show(id)["state"] == "running") return true;
      }
      return false;
    };
    if (driven) {
      for (int round = 0; round < 10 * count + 10 && running(); ++round) {
        auto t = Clock::now();
        const double cpu = threadCpuMs();
        b.server->sweepOnce();
        ++rounds;
        const double one_cpu = threadCpuMs() - cpu;
        tick_cpu_ms += one_cpu;
        tick_cpu_max = std::max(tick_cpu_max, one_cpu);
        double one = msSince(t);
        tick_ms += one;
        tick_max = std::max(tick_max, one);
        t = Clock::now();
        b.answerAll();
        agents_ms += msSince(t);
      }
    } else {
      auto deadline = Clock::now() + std::chrono::seconds(600);
      while (running() && Clock::now() < deadline) {
        b.answerAll();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    double total = msSince(started);
    int applied = 0;
    bool succeeded = true;
    for (const auto& id : ids) {
      Json d = b.show(id);
      succeeded = succeeded && d["state"] == "succeeded";
      applied += d["progress"]["by_status"].value("applied", 0);
    }
    std::printf("deployment_bench: %d of %d nodes applied\n", applied, count);
    std::printf(
        "deployment_bench %s on %s: %d nodes in %d deployment(s), max_parallel %d in "
        "all%s: %s in %.0f ms, %d waves, %.1f ms per wave; process CPU %.1f s\n",
        mode.c_str(), kind.c_str(), count, groups, parallel,
        driven ? "" : (", sweep " + std::to_string(sweep_ms) + " ms").c_str(),
        succeeded ? "succeeded" : "NOT succeeded", total, waves, waves ? total / waves : 0.0,
        test::processCpuSeconds(pid) - cpu_before);
    if (driven) {
      std::printf(
          "  control round (sweepOnce), %d rounds: %.2f ms mean, %.2f ms max wall; CPU of the "
          "round's thread %.2f ms mean, %.2f ms max; simulated agents' pass over %d nodes: "
          "%.1f ms mean\n",
          rounds, tick_ms / std::max(1, rounds), tick_max, tick_cpu_ms / std::max(1, rounds),
          tick_cpu_max, count, agents_ms / std::max(1, rounds));
    }
    return succeeded && applied == count ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "deployment_bench: " << e.what() << "\n";
    return 1;
  }
}
