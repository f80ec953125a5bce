// The rollout state machine on its own: hand-made deployments and reports, no store.
#include <catch2/catch.hpp>

#include <map>

#include "coordinator/deploy/rollout.h"

using namespace photon;
using namespace photon::coordinator;
using common::Json;

namespace {
const std::string kNew = "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-system-new";
const std::string kOld = "/nix/store/1c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-system-old";

Deployment make(int nodes, int max_parallel, bool auto_revert = true) {
  Deployment d;
  d.id = "d-1";
  d.spec.system = kNew;
  d.spec.confirm_within_s = 30;
  d.max_parallel = max_parallel;
  d.auto_revert = auto_revert;
  d.node_timeout_s = 100;
  for (int i = 0; i < nodes; ++i) d.nodes.push_back(NodeRollout{.id = "n" + std::to_string(i)});
  return d;
}

// A world of reports the test writes, and nodes it marks as not deployable.
struct World {
  std::map<std::string, NodeInput> inputs;
  NodeLookup lookup() {
    return [this](const std::string& id) { return inputs[id]; };
  }
  void report(const std::string& id, const std::string& outcome, const std::string& system,
              const std::string& deployment) {
    inputs[id].report = {{"outcome", outcome},
                         {"system", system},
                         {"deployment", deployment},
                         {"previous_system", kOld},
                         {"reason", "because"},
                         {"generation", 7},
                         {"timings", {{"switch_ms", 61}, {"note", "not a number"}}}};
  }
};

int count(const Deployment& d, NodeStatus status) {
  return static_cast<int>(std::count_if(d.nodes.begin(), d.nodes.end(),
                                        [&](const auto& n) { return n.status == status; }));
}
}  // namespace

TEST_CASE("rollout: starts max_parallel nodes, then the next wave as each one applies",
          "[deployments]") {
  World w;
  auto step = advance(make(5, 2), w.lookup(), 1000);
  CHECK(step.changed);
  CHECK(step.start == std::vector<std::string>{"n0", "n1"});
  CHECK(count(step.next, NodeStatus::kUpdating) == 2);
  CHECK(step.next.nodes[0].started_at == 1000);

  // Nothing reported: nothing changes, nothing more starts.
  auto idle = advance(step.next, w.lookup(), 1010);
  CHECK_FALSE(idle.changed);
  CHECK(idle.start.empty());

  // A report for another deployment or system does not count.
  w.report("n0", "applied", kNew, "d-0");
  w.report("n1", "applied", kOld, "d-1");
  CHECK_FALSE(advance(step.next, w.lookup(), 1011).changed);

  w.report("n0", "applied", kNew, "d-1");
  auto next = advance(step.next, w.lookup(), 1020);
  CHECK(next.next.nodes[0].status == NodeStatus::kApplied);
  CHECK(next.next.nodes[0].generation == 7);
  CHECK(next.next.nodes[0].previous_system == kOld);
  CHECK(next.next.nodes[0].timings == Json{{"switch_ms", 61}});
  CHECK(next.start == std::vector<std::string>{"n2"});
  CHECK(count(next.next, NodeStatus::kUpdating) == 2);

  Deployment d = next.next;
  for (const auto& id : {"n1", "n2", "n3", "n4"}) w.report(id, "applied", kNew, "d-1");
  for (int round = 0; round < 5 && d.state == DeploymentState::kRunning; ++round) {
    d = advance(d, w.lookup(), 1030 + round).next;
  }
  CHECK(d.state == DeploymentState::kSucceeded);
  CHECK(count(d, NodeStatus::kApplied) == 5);
  CHECK(d.finished_at > 0);
}

TEST_CASE("rollout: a rolled-back node stops the rollout, in-flight nodes finish, then revert",
          "[deployments]") {
  World w;
  Deployment d = advance(make(5, 2), w.lookup(), 0).next;
  w.report("n0", "rolled-back", kNew, "d-1");
  auto step = advance(d, w.lookup(), 10);
  d = step.next;
  CHECK(d.nodes[0].status == NodeStatus::kRolledBack);
  CHECK(d.nodes[0].reason == "because");
  CHECK(d.stopping());
  CHECK(d.reason.find("n0 rolled-back") != std::string::npos);
  CHECK(step.start.empty());
  CHECK(count(d, NodeStatus::kNotStarted) == 3);
  CHECK(d.state == DeploymentState::kRunning);  // n1 is still updating

  w.report("n1", "applied", kNew, "d-1");
  step = advance(d, w.lookup(), 20);
  d = step.next;
  CHECK(d.state == DeploymentState::kReverting);
  CHECK(step.revert == std::vector<std::string>{"n0", "n1"});
  CHECK(d.nodes[1].revert == RevertStatus::kReverting);
  // No previous section was recorded: the revert goes to the system the agent came from.
  auto section = revertSection(d, d.nodes[1]);
  REQUIRE(section);
  CHECK((*section)["system"] == kOld);
  CHECK((*section)["deployment"] == "d-1-revert");

  w.report("n0", "applied", kOld, "d-1-revert");
  w.report("n1", "applied", kOld, "d-1-revert");
  d = advance(d, w.lookup(), 30).next;
  CHECK(d.state == DeploymentState::kFailed);
  CHECK(d.nodes[0].revert == RevertStatus::kReverted);
  CHECK(d.nodes[1].revert == RevertStatus::kReverted);
  CHECK(d.nodes[2].revert == RevertStatus::kNone);  // never touched
}

TEST_CASE("rollout: the previous desired section is what a revert restores", "[deployments]") {
  Deployment d = make(1, 1);
  d.nodes[0].previous = {{"system", kOld}, {"mode", "boot"}, {"deployment", "d-0"}};
  auto section = revertSection(d, d.nodes[0]);
  REQUIRE(section);
  CHECK((*section)["mode"] == "boot");
  CHECK((*section)["system"] == kOld);
  CHECK((*section)["deployment"] == "d-1-revert");
  // Nothing known: no revert target (the section is removed instead).
  CHECK_FALSE(revertSection(make(1, 1), NodeRollout{.id = "x"}));
}

TEST_CASE("rollout: without auto_revert a failure ends the deployment as failed", "[deployments]") {
  World w;
  Deployment d = advance(make(3, 1, false), w.lookup(), 0).next;
  w.report("n0", "failed", kNew, "d-1");
  auto step = advance(d, w.lookup(), 5);
  CHECK(step.next.state == DeploymentState::kFailed);
  CHECK(step.revert.empty());
  CHECK(count(step.next, NodeStatus::kNotStarted) == 2);
}

TEST_CASE("rollout: a node that never reports times out and counts as failed", "[deployments]") {
  World w;
  Deployment d = advance(make(2, 1, false), w.lookup(), 0).next;
  w.report("n0", "activating", kNew, "d-1");
  CHECK(advance(d, w.lookup(), 99).next.nodes[0].status == NodeStatus::kUpdating);
  d = advance(d, w.lookup(), 100).next;
  CHECK(d.nodes[0].status == NodeStatus::kTimeout);
  CHECK(d.state == DeploymentState::kFailed);
  CHECK(d.reason.find("timeout") != std::string::npos);
}

TEST_CASE("rollout: drained or missing nodes are skipped at their turn", "[deployments]") {
  World w;
  w.inputs["n0"].skip_reason = "node is drained";
  w.inputs["n1"].skip_reason = "node is missing";
  auto step = advance(make(3, 1), w.lookup(), 0);
  CHECK(step.start == std::vector<std::string>{"n2"});
  CHECK(step.next.nodes[0].status == NodeStatus::kSkipped);
  CHECK(step.next.nodes[0].reason == "node is drained");
  CHECK(step.next.nodes[1].status == NodeStatus::kSkipped);
}

TEST_CASE("rollout: a revert that fails or never reports is revert-failed", "[deployments]") {
  World w;
  Deployment d = advance(make(2, 2), w.lookup(), 0).next;
  w.report("n0", "failed", kNew, "d-1");
  w.report("n1", "applied", kNew, "d-1");
  d = advance(d, w.lookup(), 1).next;
  REQUIRE(d.state == DeploymentState::kReverting);
  w.report("n1", "rolled-back", kOld, "d-1-revert");
  d = advance(d, w.lookup(), 2).next;
  CHECK(d.nodes[1].revert == RevertStatus::kRevertFailed);
  CHECK(d.state == DeploymentState::kReverting);  // n0 has not answered its revert
  d = advance(d, w.lookup(), 101).next;
  CHECK(d.nodes[0].revert == RevertStatus::kRevertFailed);
  CHECK(d.state == DeploymentState::kFailed);
}

TEST_CASE("rollout: cancel stops everything at once and ends the deployment", "[deployments]") {
  World w;
  Deployment d = advance(make(3, 1), w.lookup(), 0).next;
  Deployment c = cancelDeployment(d, 7);
  CHECK(c.state == DeploymentState::kCancelled);
  CHECK(c.finished_at == 7);
  CHECK(count(c, NodeStatus::kCancelled) == 3);
  CHECK_FALSE(advance(c, w.lookup(), 8).changed);
}

TEST_CASE("rollout: the stored record reads back the same", "[deployments]") {
  World w;
  w.report("n0", "applied", kNew, "d-1");
  Deployment d = advance(make(3, 2), w.lookup(), 0).next;
  d.nodes[0].previous = {{"system", kOld}};
  // The revert fields too, which a fresh rollout leaves at their defaults.
  d.nodes[1].revert = RevertStatus::kReverted;
  d.nodes[1].revert_started_at = 5;
  d.nodes[1].revert_finished_at = 9;
  auto back = deploymentFromJson(toJson(d));
  REQUIRE(back);
  CHECK(toJson(*back) == toJson(d));
  CHECK(back->nodes[1].revert == RevertStatus::kReverted);
  CHECK(back->nodes[1].revert_started_at == 5);
  CHECK(back->nodes[1].revert_finished_at == 9);
}

TEST_CASE("rollout: a record of as many nodes as a deployment may hold reads back",
          "[deployments]") {
  // More than a client's list may hold (1,024): the record is the coordinator's own.
  Deployment d = make(static_cast<int>(kMaxDeploymentNodes), 100);
  auto back = deploymentFromJson(toJson(d));
  REQUIRE(back);
  CHECK(back->nodes.size() == kMaxDeploymentNodes);
  Json over = toJson(d);
  over["nodes"].push_back(over["nodes"][0]);
  CHECK_FALSE(deploymentFromJson(over));
}

TEST_CASE("rollout: stopping is derived from the nodes, whatever an old record stored",
          "[deployments]") {
  World w;
  Deployment d = advance(make(4, 2), w.lookup(), 0).next;
  w.report("n0", "failed", kNew, "d-1");
  d = advance(d, w.lookup(), 10).next;
  REQUIRE(d.stopping());
  // A record written before stopping was derived, with a flag that disagrees with its nodes:
  // the nodes win, and nothing new starts.
  Json stored = toJson(d);
  stored["stopping"] = false;
  stored["nodes"][2]["status"] = "pending";
  auto back = deploymentFromJson(stored);
  REQUIRE(back);
  CHECK(back->stopping());
  auto step = advance(*back, w.lookup(), 20);
  CHECK(step.start.empty());
  CHECK(step.next.nodes[2].status == NodeStatus::kNotStarted);
  // A fresh deployment is not stopping; a cancelled one is.
  CHECK_FALSE(make(2, 1).stopping());
  CHECK(cancelDeployment(make(2, 1), 5).stopping());
}

TEST_CASE("rollout: a report's outcome is read as its enum, and an unknown one is no outcome",
          "[deployments]") {
  Json report = {{"outcome", "rolled-back"}, {"system", kNew}, {"deployment", "d-1"}};
  auto read = parseSystemReport(report);
  REQUIRE(read);
  CHECK(read->outcome == common::ActivationOutcome::kRolledBack);

  report["outcome"] = "exploded";
  CHECK_FALSE(parseSystemReport(report));
  report.erase("outcome");
  CHECK_FALSE(parseSystemReport(report));

  // An updating node whose report says nothing known times out as a silent one would.
  World w;
  auto step = advance(make(1, 1), w.lookup(), 1000);
  w.inputs["n0"].report = {{"outcome", "exploded"}, {"system", kNew}, {"deployment", "d-1"}};
  CHECK(advance(step.next, w.lookup(), 1050).next.nodes[0].status == NodeStatus::kUpdating);
  CHECK(advance(step.next, w.lookup(), 1100).next.nodes[0].status == NodeStatus::kTimeout);
}
