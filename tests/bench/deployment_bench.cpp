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
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "coordinator/auth/tokens.h"
#include "coordinator/coordinator_server.h"
#include "coordinator/store/sqlite_store.h"
#include "common/log.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using common::Json;
using Clock = std::chrono::steady_clock;

namespace {
const std::string kSystem = "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-bench";

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
  common::SystemClock clock;
  std::unique_ptr<coordinator::CoordinatorServer> server;
  std::string url;
  std::unique_ptr<common::HttpClient> admin;
  std::vector<Node> nodes;

  explicit Bench(std::chrono::milliseconds sweep) {
    auto store = coordinator::SqliteStore::open(dir.file("data"));
    if (!store) throw std::runtime_error(store.error().message);
    coordinator::CoordinatorOptions options;
    options.max_discovered = 0;  // a bench enrols thousands of machines at once
    options.admin_token_hash = coordinator::sha256Hex(test::kAdminToken);
    options.bootstrap_token_hash = coordinator::sha256Hex(test::kBootstrapToken);
    options.sweep_interval = sweep;
    // "driven" times the rounds it runs itself; "interval" shows what the woken control thread
    // gives an operator.
    options.wake_on_changes = sweep < std::chrono::hours(1);
    server = std::make_unique<coordinator::CoordinatorServer>(std::move(*store), clock, options);
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

  void enrol(int count) {
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
      nodes.push_back(std::move(n));
    }
  }

  // One pass of every simulated agent: a node whose desired section names `id` reports
  // applied once. Returns how many answered.
  int answerAll(const std::string& id) {
    int answered = 0;
    for (auto& n : nodes) {
      if (n.answered) continue;
      Json desired = call(*n.client, "GET", "/api/v1/nodes/" + n.id + "/desired", "", 200);
      Json s = desired.value("system", Json());
      if (!s.is_object() || s.value("deployment", "") != id) continue;
      Json report = {{"outcome", "applied"}, {"system", s["system"]}, {"deployment", id},
                     {"generation", 2}};
      call(*n.client, "PUT", "/api/v1/nodes/" + n.id + "/observed",
           Json{{"domains", {{"system", report}}}}.dump(), 200);
      n.answered = true;
      ++answered;
    }
    return answered;
  }

  std::string create(int max_parallel) {
    Json body = {{"system", kSystem},
                 {"selector", {{"pool", "web"}}},
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
  if (argc != 5) {
    std::cerr << "usage: deployment_bench driven|interval NODES MAX_PARALLEL SWEEP_MS\n";
    return 2;
  }
  std::string mode = argv[1];
  int count = std::stoi(argv[2]), parallel = std::stoi(argv[3]), sweep_ms = std::stoi(argv[4]);
  common::setLogLevel(common::LogLevel::kWarning);
  try {
    bool driven = mode == "driven";
    Bench b(driven ? std::chrono::milliseconds(3'600'000) : std::chrono::milliseconds(sweep_ms));
    b.enrol(count);
    auto started = Clock::now();
    std::string id = b.create(parallel);
    const int waves = (count + parallel - 1) / parallel;
    int rounds = 0;
    double tick_ms = 0, tick_max = 0, agents_ms = 0;
    std::string state = "running";
    if (driven) {
      for (int round = 0; round < 10 * count + 10 && state == "running"; ++round) {
        auto t = Clock::now();
        b.server->sweepOnce();
        ++rounds;
        double one = msSince(t);
        tick_ms += one;
        tick_max = std::max(tick_max, one);
        t = Clock::now();
        b.answerAll(id);
        agents_ms += msSince(t);
        state = b.show(id)["state"];
      }
    } else {
      auto deadline = Clock::now() + std::chrono::seconds(600);
      while (state == "running" && Clock::now() < deadline) {
        b.answerAll(id);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        state = b.show(id)["state"];
      }
    }
    double total = msSince(started);
    Json d = b.show(id);
    std::printf("deployment_bench %s: %d nodes, max_parallel %d%s: %s in %.0f ms, %d waves, "
                "%.1f ms per wave\n",
                mode.c_str(), count, parallel,
                driven ? "" : (", sweep " + std::to_string(sweep_ms) + " ms").c_str(),
                state.c_str(), total, waves, waves ? total / waves : 0.0);
    if (driven) {
      std::printf("  control round (sweepOnce): %.2f ms mean, %.2f ms max; simulated agents' "
                  "pass over %d nodes: %.1f ms mean\n",
                  tick_ms / std::max(1, rounds), tick_max, count,
                  agents_ms / std::max(1, rounds));
    }
    return state == "succeeded" && d["progress"]["by_status"].value("applied", 0) == count ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "deployment_bench: " << e.what() << "\n";
    return 1;
  }
}
