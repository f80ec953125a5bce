// Several real photon-coordinator processes on one real 3-member etcd cluster: one leads, a
// killed leader is replaced, nothing acknowledged is lost, and the stores' compares decide
// between coordinators that change the same node at once.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <thread>

#include "common/http_client.h"
#include "common/json_fields.h"
#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/etcd_cluster.h"

using namespace photon;
using common::Json;

namespace {
constexpr int kLeaseTtlS = 2;

std::vector<std::string> etcdArgs(const test::EtcdCluster& etcd, const std::string& prefix) {
  return {"--store", "etcd",        "--etcd-endpoints",         etcd.endpoints(), "--etcd-prefix",
          prefix,    "--lease-ttl", std::to_string(kLeaseTtlS), "--log-level",    "notice"};
}

std::unique_ptr<common::HttpClient> client(const std::string& urls, const char* token) {
  auto c = common::HttpClient::create(urls, {.connect_timeout = std::chrono::milliseconds(500),
                                             .read_timeout = std::chrono::seconds(10)});
  REQUIRE(c);
  (*c)->setToken(token);
  return std::move(*c);
}

Json health(const std::string& url) {
  auto c = common::HttpClient::create(url, {.connect_timeout = std::chrono::milliseconds(300),
                                            .read_timeout = std::chrono::seconds(2)});
  if (!c) return {};
  auto r = (*c)->request("GET", "/health");
  if (!r || r->status != 200) return {};
  return Json::parse(r->body, nullptr, false);
}

// The index of the one coordinator among `urls` that says it leads, once exactly one does and
// the others name it; -1 when that does not happen within `timeout`.
int waitForOneLeader(const std::vector<std::string>& urls, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int leaders = 0, leader = -1;
    std::string leader_id;
    std::vector<std::string> named;
    for (size_t i = 0; i < urls.size(); ++i) {
      Json h = health(urls[i]);
      if (!h.is_object()) continue;
      if (h.value("leader", false)) {
        ++leaders;
        leader = static_cast<int>(i);
        leader_id = h.value("leader_id", std::string());
      }
      named.push_back(h.value("leader_id", std::string()));
    }
    bool agreed = named.size() == urls.size() &&
                  std::all_of(named.begin(), named.end(),
                              [&](const std::string& n) { return n == leader_id; });
    if (leaders == 1 && agreed) return leader;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

struct Acknowledged {
  std::mutex mutex;
  std::map<std::string, std::string> nodes;  // machine_id -> node id
  std::map<std::string, int> label_seq;      // node id -> last acknowledged "seq" label
  int failures = 0;                          // calls no coordinator answered
};

// Enrolls machines and relabels them through whichever coordinator answers, recording what
// was acknowledged.
void writer(std::string urls, int worker, std::atomic<bool>& stop, Acknowledged& acked) {
  auto admin = client(urls, test::kAdminToken);
  auto boot = client(urls, test::kBootstrapToken);
  std::string last_node;
  int seq = 0;
  for (int n = 0; !stop && n < 100000; ++n) {
    if (n % 3 != 2 || last_node.empty()) {
      Json m = test::CoordinatorFixture::machine(worker * 100000 + n);
      auto r = boot->request("POST", "/api/v1/phone-home", m.dump());
      std::lock_guard lock(acked.mutex);
      if (!r) {
        ++acked.failures;
      } else if (r->status == 200) {
        auto body = Json::parse(r->body);
        acked.nodes[m["machine_id"]] = body["node_id"];
        last_node = body["node_id"];
      }
    } else {
      ++seq;
      auto r = admin->request("PATCH", "/api/v1/nodes/" + last_node,
                              Json{{"labels", {{"seq", std::to_string(seq)}}}}.dump());
      std::lock_guard lock(acked.mutex);
      if (!r) {
        ++acked.failures;
      } else if (r->status == 200) {
        acked.label_seq[last_node] = seq;
      }
    }
  }
}

std::string join(const std::vector<std::string>& urls, size_t first) {
  std::string out;
  for (size_t i = 0; i < urls.size(); ++i) {
    out += (out.empty() ? "" : ",") + urls[(first + i) % urls.size()];
  }
  return out;
}
}  // namespace

TEST_CASE("ha: a killed leader is replaced within the lease TTL, no acknowledged write is lost",
          "[etcd][integration]") {
  test::EtcdCluster etcd(3);
  REQUIRE(etcd.ready());
  test::TempDir dir;
  std::vector<std::unique_ptr<test::CoordinatorProcess>> coordinators;
  std::vector<std::string> urls;
  for (int i = 0; i < 3; ++i) {
    coordinators.push_back(std::make_unique<test::CoordinatorProcess>(dir, "c" + std::to_string(i),
                                                                      etcdArgs(etcd, "/ha-kill/")));
    INFO(coordinators.back()->logFile());
    REQUIRE(coordinators.back()->port() > 0);
    urls.push_back(coordinators.back()->url());
  }
  int leader = waitForOneLeader(urls, std::chrono::seconds(10));
  REQUIRE(leader >= 0);

  // A node whose desired state an agent follows through the coordinator that will die.
  auto admin = client(join(urls, 0), test::kAdminToken);
  auto boot = client(join(urls, 0), test::kBootstrapToken);
  auto enrolled =
      boot->request("POST", "/api/v1/phone-home", test::CoordinatorFixture::machine(999999).dump());
  REQUIRE(enrolled);
  REQUIRE(enrolled->status == 200);
  std::string agent_node = Json::parse(enrolled->body)["node_id"];
  std::atomic<int> agent_saw{-1};
  std::atomic<bool> stop{false};
  std::thread agent([&] {
    auto c = client(join(urls, leader), test::kAdminToken);
    std::string etag;
    for (int i = 0; !stop && i < 10000; ++i) {
      auto r = c->request("GET", "/api/v1/nodes/" + agent_node + "/desired?wait=2", {},
                          {{"If-None-Match", etag}}, std::chrono::seconds(5));
      if (!r) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      if (r->status != 200) continue;
      etag = r->header("etag");
      auto body = Json::parse(r->body, nullptr, false);
      if (body.contains("app")) agent_saw = body["app"].value("v", -1);
    }
  });

  Acknowledged acked;
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    // Each writer starts on another coordinator, the dying leader among them.
    writers.emplace_back(writer, join(urls, w), w + 1, std::ref(stop), std::ref(acked));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  auto killed_at = std::chrono::steady_clock::now();
  coordinators[leader]->kill(SIGKILL);
  std::vector<std::string> survivors;
  for (size_t i = 0; i < urls.size(); ++i) {
    if (static_cast<int>(i) != leader) survivors.push_back(urls[i]);
  }
  int next = waitForOneLeader(survivors, std::chrono::seconds(5 * kLeaseTtlS));
  auto takeover = std::chrono::steady_clock::now() - killed_at;
  REQUIRE(next >= 0);
  WARN("takeover after the leader's kill -9: "
       << std::chrono::duration_cast<std::chrono::milliseconds>(takeover).count() << " ms");
  // The lease outlives the dead leader by at most its TTL and the survivors look every TTL/10;
  // the bound leaves room for a loaded 2-core CI machine (etcd expires leases late under load)
  // but fails a takeover that waits for anything beyond the lease. Figures: docs/benchmarks.md.
  CHECK(takeover < std::chrono::seconds(3 * kLeaseTtlS));

  // The agent converges on a change made through another coordinator.
  auto set =
      client(survivors[next], test::kAdminToken)
          ->request("PUT", "/api/v1/nodes/" + agent_node + "/desired/app", Json{{"v", 42}}.dump());
  REQUIRE(set);
  REQUIRE(set->status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // more writes after the handover
  for (int i = 0; i < 100 && agent_saw.load() != 42; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  for (auto& t : writers) t.join();
  agent.join();
  CHECK(agent_saw.load() == 42);

  // Every acknowledged write is there, read through each survivor.
  REQUIRE(acked.nodes.size() > 10);
  INFO("acknowledged " << acked.nodes.size() << " enrollments, " << acked.label_seq.size()
                       << " relabelled nodes, " << acked.failures << " calls unanswered");
  for (const auto& url : survivors) {
    auto r = client(url, test::kAdminToken)->request("GET", "/api/v1/nodes");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    auto nodes = Json::parse(r->body)["nodes"];
    std::map<std::string, Json> by_machine, by_id;
    for (const auto& n : nodes) {
      by_machine[n["machine_id"]] = n;
      by_id[n["id"]] = n;
    }
    for (const auto& [machine, id] : acked.nodes) {
      INFO(url << ": machine " << machine);
      REQUIRE(by_machine.contains(machine));
      CHECK(by_machine[machine]["id"] == id);
    }
    for (const auto& [id, seq] : acked.label_seq) {
      INFO(url << ": node " << id);
      REQUIRE(by_id[id]["labels"].contains("seq"));
      CHECK(std::stoi(by_id[id]["labels"]["seq"].get<std::string>()) >= seq);
    }
  }
  // photonctl given every coordinator, the dead one first, answers from a survivor.
  {
    std::string log = dir.file("photonctl.log");
    test::ChildProcess ctl(
        {PHOTON_BUILD_DIR "/coordinator/photonctl", "--coordinator", join(urls, leader),
         "--token-file", dir.file("admin"), "node", "show", agent_node},
        log);
    CHECK(ctl.wait(std::chrono::seconds(20)) == 0);
    std::ifstream in(log);
    std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(output.find(agent_node) != std::string::npos);
  }
  // The new leader says so in /metrics too.
  auto metrics = client(survivors[next], test::kAdminToken)->request("GET", "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("photon_leader 1\n") != std::string::npos);
  CHECK(metrics->body.find("photon_leader_changes_total 1\n") != std::string::npos);
}

TEST_CASE(
    "ha: two coordinators act on the same nodes at once: one wins, the other gets 409, "
    "also with an etcd member down",
    "[etcd][integration]") {
  test::EtcdCluster etcd(3);
  REQUIRE(etcd.ready());
  test::TempDir dir;
  test::CoordinatorProcess a(dir, "a", etcdArgs(etcd, "/ha-race/"));
  test::CoordinatorProcess b(dir, "b", etcdArgs(etcd, "/ha-race/"));
  REQUIRE(a.port() > 0);
  REQUIRE(b.port() > 0);
  REQUIRE(waitForOneLeader({a.url(), b.url()}, std::chrono::seconds(10)) >= 0);

  // The first endpoint of both goes: they carry on with the other two members.
  etcd.killMember(0);

  auto boot = client(a.url(), test::kBootstrapToken);
  std::vector<std::string> nodes;
  INFO("etcd " << etcd.endpoints());
  for (int i = 0; i < 8; ++i) {
    auto started = std::chrono::steady_clock::now();
    auto r = boot->request("POST", "/api/v1/phone-home",
                           test::CoordinatorFixture::machine(i + 1).dump());
    REQUIRE(r);
    INFO(r->body << " after " << (std::chrono::steady_clock::now() - started).count() / 1000000
                 << " ms");
    REQUIRE(r->status == 200);
    nodes.push_back(Json::parse(r->body)["node_id"]);
  }
  auto admin_a = client(a.url(), test::kAdminToken);
  auto admin_b = client(b.url(), test::kAdminToken);
  for (const auto& id : nodes) {
    // Both commission the discovered node at once; commissioning twice is not a transition.
    int status_a = 0, status_b = 0;
    std::thread ta([&] {
      auto r = admin_a->request("POST", "/api/v1/nodes/" + id + "/actions/commission");
      status_a = r ? r->status : -1;
    });
    std::thread tb([&] {
      auto r = admin_b->request("POST", "/api/v1/nodes/" + id + "/actions/commission");
      status_b = r ? r->status : -1;
    });
    ta.join();
    tb.join();
    INFO("node " << id << ": a " << status_a << ", b " << status_b);
    CHECK(std::min(status_a, status_b) == 200);
    CHECK(std::max(status_a, status_b) == 409);
    // Both coordinators read the winner's state.
    for (auto* c : {admin_a.get(), admin_b.get()}) {
      auto r = c->request("GET", "/api/v1/nodes/" + id);
      REQUIRE(r);
      CHECK(Json::parse(r->body)["state"] == "commissioning");
    }
  }
  CHECK(waitForOneLeader({a.url(), b.url()}, std::chrono::seconds(5)) >= 0);
  // Both moved on from the dead first endpoint, and say so.
  for (auto* c : {admin_a.get(), admin_b.get()}) {
    auto metrics = c->request("GET", "/metrics");
    REQUIRE(metrics);
    CHECK(metrics->body.find("photon_etcd_endpoint_failovers_total 0\n") == std::string::npos);
    CHECK(metrics->body.find("photon_etcd_endpoint_failovers_total") != std::string::npos);
  }
}
