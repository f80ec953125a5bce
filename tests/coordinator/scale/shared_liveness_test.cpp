// Three real photon-coordinator processes on a real 3-member etcd cluster and 200 simulated
// agents that all poll one follower. Liveness is shared between the coordinators, so the leader
// sees them alive, a new leader moves nothing, agents that lose their coordinator and poll
// another move nothing, and agents that really stop have exactly their instances moved, after
// the node TTL and the failover grace.
#include <signal.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/http_client.h"
#include "common/json_fields.h"
#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/etcd_cluster.h"

using namespace photon;
using common::Json;
using Steady = std::chrono::steady_clock;

namespace {
constexpr int kLeaseTtlS = 2;
// Short, so that the test takes about a minute and a half: missing past 10 s, moved past
// 10 + 3 s. (Liveness lags by up to TTL/4 + 0.5 s plus a second of rounding, and the agents
// poll every second, slower when the machine is loaded.)
constexpr int kNodeTtlS = 10;
constexpr int kGraceS = 3;
constexpr int kAgents = 200;
constexpr int kReplicas = 100;
constexpr int kStopped = 10;
constexpr int kAgentThreads = 8;
constexpr auto kPollEvery = std::chrono::milliseconds(1000);

std::vector<std::string> etcdArgs(const test::EtcdCluster& etcd) {
  return {"--store",          "etcd",
          "--etcd-endpoints", etcd.endpoints(),
          "--etcd-prefix",    "/liveness-scale/",
          "--lease-ttl",      std::to_string(kLeaseTtlS),
          "--log-level",      "notice"};
}

std::unique_ptr<common::HttpClient> client(const std::string& urls, const std::string& token) {
  auto c = common::HttpClient::create(urls, {.connect_timeout = std::chrono::milliseconds(500),
                                             .read_timeout = std::chrono::seconds(10)});
  REQUIRE(c);
  (*c)->setToken(token);
  return std::move(*c);
}

Json getJson(const std::string& url, const std::string& path) {
  auto c = common::HttpClient::create(url, {.connect_timeout = std::chrono::milliseconds(300),
                                            .read_timeout = std::chrono::seconds(10)});
  if (!c) return {};
  (*c)->setToken(test::kAdminToken);
  auto r = (*c)->request("GET", path);
  if (!r || r->status != 200) return {};
  return Json::parse(r->body, nullptr, false);
}

// The index of the one coordinator among `urls` (empty ones skipped) that leads, once the others
// name it; -1 when that does not happen within `timeout`.
int waitForOneLeader(const std::vector<std::string>& urls, std::chrono::milliseconds timeout) {
  auto deadline = Steady::now() + timeout;
  while (Steady::now() < deadline) {
    int leaders = 0, leader = -1, asked = 0;
    std::string leader_id;
    std::set<std::string> named;
    for (size_t i = 0; i < urls.size(); ++i) {
      if (urls[i].empty()) continue;
      ++asked;
      Json h = getJson(urls[i], "/health");
      if (!h.is_object()) continue;
      if (h.value("leader", false)) {
        ++leaders;
        leader = static_cast<int>(i);
        leader_id = h.value("leader_id", std::string());
      }
      named.insert(h.value("leader_id", std::string()));
    }
    if (leaders == 1 && named.size() == 1 && *named.begin() == leader_id && asked > 0) {
      return leader;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

// One simulated agent: polls its desired document (If-None-Match) and, when it changed, reports
// its units running and healthy, as the units domain would.
struct SimAgent {
  std::string id;
  std::string token;
  std::unique_ptr<common::HttpClient> http;
  std::string etag;
  std::atomic<bool> stopped{false};
  std::atomic<int64_t> polls{0};
  std::atomic<int64_t> failures{0};
  Steady::time_point last_ok{};
  std::atomic<int64_t> longest_gap_ms{0};  // between two answered polls
  std::mutex url_mutex;
  std::string answered_by;  // the coordinator URL that answered its last poll

  void pollOnce() {
    std::map<std::string, std::string> headers;
    if (!etag.empty()) headers["If-None-Match"] = etag;
    auto r = http->request("GET", "/api/v1/nodes/" + id + "/desired", "", headers);
    if (!r || (r->status != 200 && r->status != 304)) {
      ++failures;
      return;
    }
    ++polls;
    auto now = Steady::now();
    if (last_ok != Steady::time_point{}) {
      int64_t gap = std::chrono::duration_cast<std::chrono::milliseconds>(now - last_ok).count();
      if (gap > longest_gap_ms) longest_gap_ms = gap;
    }
    last_ok = now;
    {
      std::lock_guard lock(url_mutex);
      answered_by = http->baseUrl();
    }
    if (r->status == 304) return;
    Json desired = Json::parse(r->body, nullptr, false);
    if (!desired.is_object()) return;
    Json instances = Json::array();
    if (desired.contains("units")) {
      for (const auto& u : desired["units"]) {
        instances.push_back({{"name", u["name"]},
                             {"unit", "photon-" + u["name"].get<std::string>() + ".service"},
                             {"state", "active"},
                             {"health", "healthy"},
                             {"revision", u["revision"]},
                             {"desired_revision", u["revision"]}});
      }
    }
    Json observed = {{"domains", {{"units", {{"instances", instances}}}}},
                     {"desired_revision", desired["revision"]}};
    auto put = http->request("PUT", "/api/v1/nodes/" + id + "/observed", observed.dump());
    if (put && put->status == 200) {
      etag = r->header("etag");
    } else {
      ++failures;
    }
  }

  std::string answeredBy() {
    std::lock_guard lock(url_mutex);
    return answered_by;
  }
};

// kAgentThreads threads, each polling its share of the agents once every kPollEvery.
class Swarm {
 public:
  explicit Swarm(std::vector<std::unique_ptr<SimAgent>>& agents) : agents_(agents) {
    for (int t = 0; t < kAgentThreads; ++t) threads_.emplace_back([this, t] { loop(t); });
  }
  ~Swarm() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  void loop(int t) {
    // Bounded: an hour of rounds at most.
    for (int round = 0; !stop_ && round < 3600; ++round) {
      auto next = Steady::now() + kPollEvery;
      for (size_t i = t; i < agents_.size() && !stop_; i += kAgentThreads) {
        if (!agents_[i]->stopped) agents_[i]->pollOnce();
      }
      while (!stop_ && Steady::now() < next) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }

  std::vector<std::unique_ptr<SimAgent>>& agents_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// name -> node of the live (not lost) instances, and how many are recorded lost.
struct Placement {
  std::map<std::string, std::string> live;
  std::vector<Json> lost;
  int unplaced = 0;
  bool ok = false;
};

Placement placementOf(const std::string& url) {
  Placement p;
  Json j = getJson(url, "/api/v1/services/web/allocations");
  if (!j.is_object()) return p;
  for (const auto& a : j["allocations"]) {
    if (a.value("lost", false)) {
      p.lost.push_back(a);
    } else {
      p.live[a["name"]] = a["node"];
    }
  }
  p.unplaced = static_cast<int>(j["unplaced"].size());
  p.ok = true;
  return p;
}

// node id -> liveness, as one coordinator's GET /api/v1/nodes shows it. `not_alive`: a few of
// the others with their last_seen, for the failure message.
std::map<std::string, std::string> livenessOf(const std::string& url,
                                              std::string* not_alive = nullptr) {
  std::map<std::string, std::string> out;
  Json j = getJson(url, "/api/v1/nodes");
  if (!j.is_object()) return out;
  int listed = 0;
  for (const auto& n : j["nodes"]) {
    std::string liveness = n.value("liveness", std::string());
    out[n["id"]] = liveness;
    if (not_alive && liveness != "alive" && ++listed <= 5) {
      *not_alive += n["id"].get<std::string>() + " " + liveness + " last_seen " +
                    std::to_string(n.value("last_seen", int64_t{0})) + "; ";
    }
  }
  if (not_alive) *not_alive += "now " + std::to_string(std::time(nullptr));
  return out;
}

int countAlive(const std::map<std::string, std::string>& liveness) {
  return static_cast<int>(std::count_if(liveness.begin(), liveness.end(),
                                        [](const auto& e) { return e.second == "alive"; }));
}

// Watches the placement through `url` for `window`: false (and what changed) as soon as any
// instance is lost or sits elsewhere than in `expected`.
bool nothingMoves(const std::string& url, const std::map<std::string, std::string>& expected,
                  std::chrono::milliseconds window, std::string& what) {
  auto end = Steady::now() + window;
  int reads = 0;
  while (Steady::now() < end) {
    Placement p = placementOf(url);
    if (p.ok) {
      ++reads;
      if (!p.lost.empty()) {
        what = std::to_string(p.lost.size()) + " instance(s) lost, the first on node " +
               p.lost.front()["node"].get<std::string>();
        return false;
      }
      if (p.live != expected) {
        what = "the live instances differ: " + std::to_string(p.live.size()) + " of " +
               std::to_string(expected.size());
        return false;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (reads == 0) {
    what = "no coordinator answered";
    return false;
  }
  return true;
}
}  // namespace

TEST_CASE(
    "shared liveness: 200 agents polling one follower: takeovers and a lost follower move "
    "nothing, stopped agents' instances and only theirs move after TTL + grace",
    "[scale][etcd][integration]") {
  test::EtcdCluster etcd(3);
  REQUIRE(etcd.ready());
  test::TempDir dir;
  std::vector<std::unique_ptr<test::CoordinatorProcess>> coordinators;
  std::vector<std::string> urls;
  for (int i = 0; i < 3; ++i) {
    coordinators.push_back(
        std::make_unique<test::CoordinatorProcess>(dir, "c" + std::to_string(i), etcdArgs(etcd)));
    INFO(coordinators.back()->logFile());
    REQUIRE(coordinators.back()->port() > 0);
    urls.push_back(coordinators.back()->url());
  }
  int leader = waitForOneLeader(urls, std::chrono::seconds(10));
  REQUIRE(leader >= 0);
  const auto led_from = Steady::now();
  // The agents poll the first follower, and fail over to the others in turn.
  const int polled = (leader + 1) % 3;
  const int other = (leader + 2) % 3;
  const std::string agent_urls = urls[polled] + "," + urls[other] + "," + urls[leader];
  INFO("leader " << urls[leader] << ", agents poll " << urls[polled]);

  auto admin = client(urls[leader], test::kAdminToken);
  Json cluster = Json::parse(R"({
    "name": "lab",
    "classes": [{"name": "compute"}],
    "pools": [{"name": "web", "cidr": "10.0.0.0/16", "range_start": "10.0.1.1",
               "range_end": "10.0.9.250", "hostname_pattern": "web-{index}"}],
    "rules": [{"name": "all", "priority": 10, "match": {"min_cores": 1}, "class": "compute",
               "pool": "web", "auto_install": true}]
  })");
  cluster["settings"] = {{"node_ttl_s", kNodeTtlS}};
  cluster["placement"] = {{"failover_grace_s", kGraceS}};
  auto put_cluster = admin->request("PUT", "/api/v1/cluster", cluster.dump());
  REQUIRE(put_cluster);
  REQUIRE(put_cluster->status == 200);
  // The follower learns the declaration from etcd's watch: until it has, a machine phoning home
  // there matches no rule and stays discovered (then "installed" is a 409).
  {
    auto follower = client(urls[polled], test::kAdminToken);
    const auto until = Steady::now() + std::chrono::seconds(10);
    bool seen = false;
    while (!seen && Steady::now() < until) {
      auto got = follower->request("GET", "/api/v1/cluster");
      seen = got && got->status == 200 && got->body.find("\"lab\"") != std::string::npos;
      if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(seen);
  }

  // 200 machines enrol and report installed, through the follower the agents will poll.
  std::vector<std::unique_ptr<SimAgent>> agents;
  {
    auto boot = client(urls[polled], test::kBootstrapToken);
    for (int i = 0; i < kAgents; ++i) {
      auto r = boot->request("POST", "/api/v1/phone-home",
                             test::CoordinatorFixture::machine(i + 1).dump());
      REQUIRE(r);
      INFO(r->body);
      REQUIRE(r->status == 200);
      Json body = Json::parse(r->body);
      auto agent = std::make_unique<SimAgent>();
      agent->id = body["node_id"];
      agent->token = body["token"];
      agent->http = client(agent_urls, agent->token);
      auto installed = agent->http->request("PUT", "/api/v1/nodes/" + agent->id + "/observed",
                                            R"({"install": {"phase": "installed"}})");
      REQUIRE(installed);
      REQUIRE(installed->status == 200);
      agents.push_back(std::move(agent));
    }
  }
  Swarm swarm(agents);

  // A service with one instance on each of 100 nodes; the agents run them.
  Json service = {{"replicas", kReplicas},
                  {"distinct_hosts", true},
                  {"resources", {{"cpu_millis", 1000}, {"memory_bytes", int64_t{1} << 30}}},
                  {"update", {{"max_parallel", kReplicas}, {"min_healthy_s", 0}}},
                  {"instance", {{"exec", {"/run/current-system/sw/bin/web"}}}}};
  auto put_service = admin->request("PUT", "/api/v1/services/web", service.dump());
  REQUIRE(put_service);
  INFO(put_service->body);
  REQUIRE(put_service->status == 201);
  Placement placed;
  for (auto end = Steady::now() + std::chrono::seconds(30); Steady::now() < end;) {
    placed = placementOf(urls[leader]);
    if (placed.ok && placed.live.size() == kReplicas) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  REQUIRE(placed.live.size() == kReplicas);
  REQUIRE(placed.lost.empty());

  {
    // 1. Past the leader's own grace, the leader — which no agent polls — shows all of them
    //    alive, and so do the other two coordinators.
    std::this_thread::sleep_until(led_from + std::chrono::seconds(kNodeTtlS + 2));
    int64_t gap_so_far = 0;
    for (const auto& a : agents) gap_so_far = std::max<int64_t>(gap_so_far, a->longest_gap_ms);
    INFO("longest time between two answered polls of an agent so far: " << gap_so_far << " ms");
    for (const auto& url : urls) {
      std::string not_alive;
      auto liveness = livenessOf(url, &not_alive);
      INFO(url << ": " << not_alive);
      CHECK(liveness.size() == kAgents);
      CHECK(countAlive(liveness) == kAgents);
    }
    // photonctl shows the same, asked of the coordinator nobody polls.
    {
      std::string log = dir.file("photonctl.log");
      std::string token = dir.file("admin");
      test::ChildProcess ctl({PHOTON_BUILD_DIR "/coordinator/photonctl", "--coordinator",
                              urls[other], "--token-file", token, "-o", "json", "nodes"},
                             log);
      REQUIRE(ctl.wait(std::chrono::seconds(20)) == 0);
      std::ifstream in(log);
      std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      Json j = Json::parse(output, nullptr, false);
      REQUIRE(!j.is_discarded());
      Json nodes = j.is_array() ? j : j["nodes"];
      int alive = 0;
      for (const auto& n : nodes) alive += n.value("liveness", std::string()) == "alive";
      CHECK(alive == kAgents);
    }
    for (const auto& url : urls) {
      auto c = client(url, test::kAdminToken);
      auto m = c->request("GET", "/metrics");
      REQUIRE(m);
      std::string lines;
      for (size_t at = m->body.find("\nphoton_liveness"); at != std::string::npos;
           at = m->body.find("\nphoton_liveness", at + 1)) {
        lines += m->body.substr(at + 1, m->body.find('\n', at + 1) - at);
      }
      INFO(lines);
      CHECK(m->body.find("\nphoton_liveness_coordinators 3\n") != std::string::npos);
      auto bytes_at = m->body.find("\nphoton_liveness_document_bytes ");
      REQUIRE(bytes_at != std::string::npos);
      WARN(url << ": "
               << m->body.substr(bytes_at + 1, m->body.find('\n', bytes_at + 1) - bytes_at - 1));
    }

    // 2. The leader is killed: the new one moves no instance, also once its own grace of one
    //    TTL is over.
    std::string what;
    coordinators[leader]->kill(SIGKILL);
    auto killed_at = Steady::now();
    std::vector<std::string> survivors = urls;
    survivors[leader].clear();
    int next = waitForOneLeader(survivors, std::chrono::seconds(5 * kLeaseTtlS));
    REQUIRE(next >= 0);
    WARN("takeover after the leader's kill -9: "
         << std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - killed_at).count()
         << " ms; the agents' coordinator " << (next == polled ? "took the lead" : "follows"));
    CHECK(
        nothingMoves(urls[next], placed.live, std::chrono::seconds(kNodeTtlS + kGraceS + 4), what));
    INFO(what);
    CHECK(what.empty());
    CHECK(countAlive(livenessOf(urls[next])) == kAgents);

    // 3. The coordinator the agents poll is killed: they poll the next one, and nothing moves.
    int64_t polls_before = 0;
    for (const auto& a : agents) polls_before += a->polls;
    coordinators[polled]->kill(SIGKILL);
    survivors[polled].clear();
    const int last = other;
    REQUIRE(waitForOneLeader(survivors, std::chrono::seconds(5 * kLeaseTtlS)) == last);
    CHECK(
        nothingMoves(urls[last], placed.live, std::chrono::seconds(kNodeTtlS + kGraceS + 4), what));
    INFO(what);
    CHECK(what.empty());
    int moved_over = 0;
    for (const auto& a : agents) moved_over += a->answeredBy() == urls[last];
    CHECK(moved_over == kAgents);
    int64_t polls_after = 0;
    for (const auto& a : agents) polls_after += a->polls;
    CHECK(polls_after - polls_before >= kAgents * (kNodeTtlS + kGraceS));
    CHECK(countAlive(livenessOf(urls[last])) == kAgents);

    // 4. Ten agents that run an instance stop for real: exactly their instances move, after the
    //    TTL and the grace.
    std::set<std::string> stopped;
    for (const auto& [name, node] : placed.live) {
      if (stopped.size() == kStopped) break;
      stopped.insert(node);
    }
    for (auto& a : agents) {
      if (stopped.contains(a->id)) a->stopped = true;
    }
    auto stopped_at = Steady::now();
    Placement after;
    for (auto end = stopped_at + std::chrono::seconds(kNodeTtlS + kGraceS + 15);
         Steady::now() < end;) {
      after = placementOf(urls[last]);
      if (after.ok && after.lost.size() == kStopped && after.live.size() == kReplicas) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto moved_after = Steady::now() - stopped_at;
    WARN("the stopped agents' instances moved "
         << std::chrono::duration_cast<std::chrono::milliseconds>(moved_after).count()
         << " ms after they stopped (TTL " << kNodeTtlS << " s + grace " << kGraceS << " s)");
    REQUIRE(after.lost.size() == kStopped);
    CHECK(after.live.size() == kReplicas);
    // Not before TTL + grace (less the second a last-seen time is rounded to and a poll period).
    CHECK(moved_after >= std::chrono::seconds(kNodeTtlS + kGraceS - 2));
    for (const auto& lost : after.lost) CHECK(stopped.contains(lost["node"].get<std::string>()));
    std::set<std::string> hosts;
    for (const auto& [name, node] : after.live) {
      INFO("instance " << name << " on " << node);
      CHECK_FALSE(stopped.contains(node));
      hosts.insert(node);
      // Every instance that was not on a stopped node is where it was.
      if (auto before = placed.live.find(name); before != placed.live.end()) {
        CHECK(before->second == node);
      }
    }
    CHECK(hosts.size() == kReplicas);
    for (const auto& [name, node] : placed.live) {
      if (!stopped.contains(node)) CHECK(after.live.contains(name));
    }
    // The survivor sees exactly the stopped ones missing.
    auto liveness = livenessOf(urls[last]);
    for (const auto& [id, state] : liveness) {
      INFO("node " << id);
      CHECK(state == (stopped.contains(id) ? "missing" : "alive"));
    }
  }
  swarm.stop();
  int64_t failures = 0, longest_gap = 0;
  for (const auto& a : agents) {
    failures += a->failures;
    if (!a->stopped) longest_gap = std::max<int64_t>(longest_gap, a->longest_gap_ms);
  }
  WARN("agents' failed calls over the whole test: "
       << failures << "; longest time between two answered polls of an agent: " << longest_gap
       << " ms");
}
