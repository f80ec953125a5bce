// A failed deployment that rebooted nodes into a new kernel reverts them with a reboot back
// into their previous one, and a reboot step undoes only the drain it made itself. The rollout
// on its own (no store): hand-made reports, as in deployment_reboot_test.cpp.
#include <catch2/catch.hpp>
#include <map>

#include "tests/coordinator/reboot_rollout.h"

using namespace photon;
using namespace photon::coordinator;
using common::Json;

namespace {
const std::string& kNew = test::kNewSystem;
const std::string& kOld = test::kOldSystem;

Deployment make(int nodes, RebootPolicy reboot) {
  return test::rebootDeployment(nodes, 1, reboot, true);
}

// A node's agent as the coordinator sees it. `running` is the system it was last given
// (profile), `booted` what runs the kernel; a reboot needs the two to differ.
struct Node {
  std::string state = "active";
  std::string drained_by;  // Node::drained_by, when drained
  std::string outcome = "activating";
  std::string running = kNew;
  std::string deployment = "d-1";
  std::string booted = kOld;
  int boot = 1;
  Json reboot = nullptr;
};

struct World {
  std::map<std::string, Node> nodes;
  NodeLookup lookup() {
    return [this](const std::string& id) {
      const Node& n = nodes[id];
      NodeInput input;
      input.state = n.state;
      input.drained_by = n.drained_by;
      if (n.state != "active") input.skip_reason = "node is " + n.state;
      input.report = {{"outcome", n.outcome},
                      {"system", n.running},
                      {"deployment", n.deployment},
                      {"previous_system", kOld},
                      {"booted_system", n.booted},
                      {"boot_id", "boot-" + std::to_string(n.boot)},
                      {"reboot_required", n.booted != n.running}};
      if (!n.reboot.is_null()) input.report["reboot"] = n.reboot;
      return input;
    };
  }
  // The agent applies the section it was given (`system` under `deployment`).
  void apply(const std::string& id, const std::string& system, const std::string& deployment) {
    Node& n = nodes[id];
    n.outcome = "applied";
    n.running = system;
    n.deployment = deployment;
    n.reboot = nullptr;
  }
  // It rebooted for `token` into what it runs, and its health gate passed.
  void rebooted(const std::string& id, const std::string& token) {
    Node& n = nodes[id];
    n.booted = n.running;
    ++n.boot;
    n.reboot = {{"token", token}, {"state", "done"}, {"health", "ok"}};
  }
};

// Rounds until the deployment stops changing; each round's lists gathered.
struct Rounds {
  std::vector<std::string> drain, undrain, reboot, revert_reboot;
};
Deployment run(Deployment d, World& w, int64_t& now, Rounds& seen) {
  for (int i = 0; i < 10; ++i) {
    auto step = advance(d, w.lookup(), ++now);
    for (auto& [from, to] : {std::pair{&step.drain, &seen.drain},
                             {&step.undrain, &seen.undrain},
                             {&step.reboot, &seen.reboot},
                             {&step.revert_reboot, &seen.revert_reboot}}) {
      to->insert(to->end(), from->begin(), from->end());
    }
    if (!step.changed) break;
    d = step.next;
  }
  return d;
}
}  // namespace

TEST_CASE("reboot: a revert after a reboot wave reboots the node back into its previous kernel",
          "[deployments][reboot]") {
  World w;
  int64_t now = 0;
  Rounds seen;
  Deployment d = make(2, RebootPolicy::kWhenRequired);
  // The section n0 had before: the reboot section of an earlier kernel deployment, d-0.
  d = advance(d, w.lookup(), now).next;
  REQUIRE(d.nodes[0].status == NodeStatus::kUpdating);
  d.nodes[0].previous = {
      {"system", kOld}, {"mode", "boot"}, {"deployment", "d-0"}, {"reboot_token", "d-0-reboot"}};

  // n0: applied, drained, rebooted into the new kernel, gated, undrained.
  w.apply("n0", kNew, "d-1");
  d = run(d, w, now, seen);
  REQUIRE(d.nodes[0].status == NodeStatus::kDraining);
  w.nodes["n0"].state = "drained";
  d = run(d, w, now, seen);
  REQUIRE(d.nodes[0].status == NodeStatus::kRebooting);
  w.rebooted("n0", "d-1-reboot");
  w.nodes["n0"].state = "active";  // as the undrain leaves it
  d = run(d, w, now, seen);
  REQUIRE(d.nodes[0].status == NodeStatus::kApplied);
  REQUIRE(d.nodes[1].status == NodeStatus::kUpdating);
  CHECK(seen.undrain == std::vector<std::string>{"n0"});

  // n1 rolls the new system back: the deployment stops and reverts n0.
  w.nodes["n1"].outcome = "rolled-back";
  w.nodes["n1"].running = kNew;
  d = run(d, w, now, seen);
  REQUIRE(d.state == DeploymentState::kReverting);
  auto revert = revertSection(d, d.nodes[0]);
  REQUIRE(revert);
  CHECK((*revert)["system"] == kOld);
  // The earlier deployment's spent token is not handed back (the agent would reboot at once).
  CHECK_FALSE(revert->contains("reboot_token"));

  // n0 applies its previous system for the next boot: the new kernel still runs, so it is
  // drained and rebooted back, as the rollout rebooted it.
  seen = {};
  w.apply("n0", kOld, "d-1-revert");
  w.apply("n1", kOld, "d-1-revert");
  w.nodes["n1"].booted = kOld;
  d = run(d, w, now, seen);
  CHECK(d.nodes[0].revert == RevertStatus::kDraining);
  CHECK(d.nodes[1].revert == RevertStatus::kReverted);  // never rebooted: nothing to undo
  CHECK(seen.drain == std::vector<std::string>{"n0"});
  CHECK(d.state == DeploymentState::kReverting);

  w.nodes["n0"].state = "drained";
  d = run(d, w, now, seen);
  CHECK(d.nodes[0].revert == RevertStatus::kRebooting);
  CHECK(seen.revert_reboot == std::vector<std::string>{"n0"});
  auto section = revertRebootSection(d, d.nodes[0]);
  REQUIRE(section);
  CHECK((*section)["reboot_token"] == "d-1-revert-reboot");
  CHECK((*section)["system"] == kOld);
  CHECK((*section)["deployment"] == "d-1-revert");
  CHECK(toJson(d)["nodes"][0]["revert"] == "rebooting");

  // Back in its old kernel in a new boot, health gate passed: undrained, reverted.
  w.rebooted("n0", "d-1-revert-reboot");
  d = run(d, w, now, seen);
  CHECK(d.nodes[0].revert == RevertStatus::kReverted);
  CHECK(seen.undrain == std::vector<std::string>{"n0"});
  CHECK(d.state == DeploymentState::kFailed);
  auto back = deploymentFromJson(toJson(d));
  REQUIRE(back);
  CHECK(toJson(*back) == toJson(d));
}

TEST_CASE("reboot: a revert that does not come back from its reboot fails, left drained",
          "[deployments][reboot]") {
  World w;
  int64_t now = 0;
  Rounds seen;
  Deployment d = make(1, RebootPolicy::kAlways);
  d = advance(d, w.lookup(), now).next;
  w.apply("n0", kNew, "d-1");
  d = run(d, w, now, seen);
  w.nodes["n0"].state = "drained";
  d = run(d, w, now, seen);
  // Back in the new kernel, its health gate fails: the node is left drained and reverted.
  w.rebooted("n0", "d-1-reboot");
  w.nodes["n0"].reboot["health"] = "failed";
  d = run(d, w, now, seen);
  REQUIRE(d.nodes[0].status == NodeStatus::kConfirming);
  now += 30;
  d = run(d, w, now, seen);
  REQUIRE(d.nodes[0].status == NodeStatus::kFailed);
  REQUIRE(d.state == DeploymentState::kReverting);
  w.apply("n0", kOld, "d-1-revert");
  d = run(d, w, now, seen);
  // Already drained by this deployment: straight to its reboot, no second drain.
  CHECK(d.nodes[0].revert == RevertStatus::kRebooting);
  CHECK(seen.drain == std::vector<std::string>{"n0"});
  CHECK(seen.revert_reboot == std::vector<std::string>{"n0"});
  now += 300;
  d = run(d, w, now, seen);
  CHECK(d.nodes[0].revert == RevertStatus::kRevertFailed);
  CHECK(d.nodes[0].reason.find("revert: did not come back") != std::string::npos);
  CHECK(seen.undrain.empty());
  CHECK(d.state == DeploymentState::kFailed);
}

TEST_CASE(
    "reboot: a node the operator drained before its reboot step is not the deployment's "
    "to undrain",
    "[deployments][reboot]") {
  World w;
  int64_t now = 0;
  Rounds seen;
  Deployment d = advance(make(1, RebootPolicy::kAlways), w.lookup(), now).next;
  // Drained by the operator while it updated: rebooted (it serves nothing), never undrained.
  w.apply("n0", kNew, "d-1");
  w.nodes["n0"].state = "drained";
  d = run(d, w, now, seen);
  CHECK(d.nodes[0].status == NodeStatus::kRebooting);
  CHECK_FALSE(d.nodes[0].drained_by_us);
  CHECK(seen.drain.empty());
  w.rebooted("n0", "d-1-reboot");
  d = run(d, w, now, seen);
  CHECK(d.nodes[0].status == NodeStatus::kApplied);
  CHECK(seen.undrain.empty());
  CHECK(d.state == DeploymentState::kSucceeded);
}

TEST_CASE(
    "reboot: a drain the deployment committed but whose record was lost is still the "
    "deployment's to undrain",
    "[deployments][reboot]") {
  World w;
  int64_t now = 0;
  Rounds seen;
  Deployment d = advance(make(1, RebootPolicy::kAlways), w.lookup(), now).next;
  // The deployment drained n0 (committed, held as its own), then its record's commit was lost:
  // the next round starts the reboot step again on a node already draining.
  w.apply("n0", kNew, "d-1");
  w.nodes["n0"].state = "draining";
  w.nodes["n0"].drained_by = "deployment d-1";
  d = run(d, w, now, seen);
  CHECK(d.nodes[0].drained_by_us);
  CHECK(seen.drain.empty());  // drained already: not drained twice
  w.nodes["n0"].state = "drained";
  d = run(d, w, now, seen);
  CHECK(d.nodes[0].status == NodeStatus::kRebooting);
  w.rebooted("n0", "d-1-reboot");
  d = run(d, w, now, seen);
  CHECK(d.nodes[0].status == NodeStatus::kApplied);
  CHECK(seen.undrain == std::vector<std::string>{"n0"});
  CHECK(d.state == DeploymentState::kSucceeded);
}
