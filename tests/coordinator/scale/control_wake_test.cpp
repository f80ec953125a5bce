// The control thread wakes on a report, a node change and an API write: with the timed round
// an hour away, a deployment's next wave still starts within 100 ms of its last node's report,
// and reports arriving together share rounds.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "tests/support/simulated_fleet.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;
using test::FleetNode;
using Steady = std::chrono::steady_clock;

namespace {
const std::string kGood = test::storePath("nixos-system-good");

void noTimedRounds(coordinator::CoordinatorOptions& options) {
  options.sweep_interval = std::chrono::hours(1);
}

// The nodes whose desired system belongs to deployment `id` and that have not answered yet.
std::vector<FleetNode> inFlight(CoordinatorFixture& c, const std::vector<FleetNode>& fleet,
                                const std::string& id, const std::set<std::string>& answered) {
  std::vector<FleetNode> out;
  for (const auto& node : fleet) {
    if (answered.contains(node.id)) continue;
    Json s = test::desiredSystem(c, node);
    if (s.is_object() && s.value("deployment", std::string()) == id) out.push_back(node);
  }
  return out;
}

// Polls until a whole wave (`size` nodes not in `answered`) holds the deployment, at most 5 s.
std::vector<FleetNode> waitForWave(CoordinatorFixture& c, const std::vector<FleetNode>& fleet,
                                   const std::string& id, const std::set<std::string>& answered,
                                   size_t size) {
  auto end = Steady::now() + std::chrono::seconds(5);
  while (Steady::now() < end) {
    auto wave = inFlight(c, fleet, id, answered);
    if (wave.size() >= size) return wave;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return {};
}
}  // namespace

TEST_CASE(
    "control wake: a deployment wave starts within 100 ms of its last node's report, "
    "with the timed round an hour away",
    "[scale][deployments][integration]") {
  CoordinatorFixture c({}, noTimedRounds);
  auto fleet = test::activeFleet(c, 8);
  Json request = {{"system", kGood},
                  {"selector", {{"pool", "web"}}},
                  {"max_parallel", 2},
                  {"confirm_within_s", 30},
                  {"node_timeout_s", 60}};
  // The API write wakes it: the first wave starts without a timed round.
  auto created_at = Steady::now();
  auto created = c.admin("POST", "/api/v1/deployments", request);
  REQUIRE(created.status == 201);
  const std::string id = created.body["id"];
  std::set<std::string> answered;
  auto wave = waitForWave(c, fleet, id, answered, 2);
  REQUIRE(wave.size() == 2);
  auto first_ms = std::chrono::duration<double, std::milli>(Steady::now() - created_at).count();

  std::vector<double> gaps_ms;
  while (answered.size() < fleet.size()) {
    REQUIRE(wave.size() == 2);  // 8 nodes, max_parallel 2
    Steady::time_point last_report;
    for (const auto& node : wave) {
      test::answerDesired(c, node, "applied");
      last_report = Steady::now();
      answered.insert(node.id);
    }
    if (answered.size() == fleet.size()) break;
    wave = waitForWave(c, fleet, id, answered, 2);
    gaps_ms.push_back(
        std::chrono::duration<double, std::milli>(Steady::now() - last_report).count());
  }
  // The last report wakes the round that finishes the deployment.
  Json d;
  for (auto end = Steady::now() + std::chrono::seconds(5); Steady::now() < end;) {
    d = c.admin("GET", "/api/v1/deployments/" + id).body;
    if (d["state"] != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  CHECK(d["state"] == "succeeded");
  REQUIRE(gaps_ms.size() == 3);
  double worst = *std::max_element(gaps_ms.begin(), gaps_ms.end());
  WARN("first wave " << first_ms << " ms after the request; last report to next wave: "
                     << gaps_ms[0] << ", " << gaps_ms[1] << ", " << gaps_ms[2] << " ms");
  CHECK(first_ms < 100);
  CHECK(worst < 100);
}

TEST_CASE(
    "control wake: only reports of nodes in a running deployment wake it, and together "
    "they share rounds",
    "[scale][integration]") {
  CoordinatorFixture c({}, noTimedRounds);
  auto fleet = test::activeFleet(c, 4);
  const std::string plain = R"({"agent_version": "test"})";
  // No Catch assertion here: the reports also come from threads.
  std::atomic<int> refused{0};
  auto report = [&](const FleetNode& node) {
    if (c.as(node.token, "PUT", "/api/v1/nodes/" + node.id + "/observed", plain).status != 200) {
      ++refused;
    }
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the enrolment's rounds end
  uint64_t before = c.server().controlRounds();
  for (int i = 0; i < 50; ++i) report(fleet[i % 4]);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(c.server().controlRounds() == before);  // nobody waits on these reports

  // A deployment holds the four nodes: now their reports wake it, sharing rounds.
  Json request = {{"system", kGood},
                  {"selector", {{"pool", "web"}}},
                  {"max_parallel", 4},
                  {"confirm_within_s", 30},
                  {"node_timeout_s", 60}};
  REQUIRE(c.admin("POST", "/api/v1/deployments", request).status == 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  before = c.server().controlRounds();
  constexpr int kReports = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kReports / 4; ++i) report(fleet[t]);
    });
  }
  for (auto& t : threads) t.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const uint64_t rounds = c.server().controlRounds() - before;
  CHECK(refused == 0);
  WARN(kReports << " reports of nodes in a running deployment woke " << rounds
                << " control rounds");
  // Each report woke the thread, but a round starts at most every min_round_gap (20 ms).
  CHECK(rounds >= 1);
  CHECK(rounds < kReports / 2);
}
