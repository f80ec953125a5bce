// The rollout's reboot steps on their own (no store): an applied node that needs its new
// kernel is drained, told to reboot, awaited back with the new booted system in another boot,
// health-gated and undrained; a node that does not come back stops the deployment.
#include <catch2/catch.hpp>

#include <map>

#include "tests/coordinator/reboot_rollout.h"

using namespace photon;
using namespace photon::coordinator;
using common::Json;

namespace {
const std::string& kNew = test::kNewSystem;
const std::string& kOld = test::kOldSystem;

Deployment make(int nodes, int max_parallel, RebootPolicy reboot) {
  return test::rebootDeployment(nodes, max_parallel, reboot, false);
}

// Each node's agent as the coordinator sees it: its lifecycle state and its system report.
struct Node {
  std::string state = "active";
  std::string booted = kOld;
  std::string boot_id = "boot-1";
  bool applied = false;
  bool reboot_required = true;
  Json reboot = nullptr;  // the agent's "reboot" object
};

struct World {
  std::map<std::string, Node> nodes;
  NodeLookup lookup() {
    return [this](const std::string& id) {
      const Node& n = nodes[id];
      NodeInput input;
      input.state = n.state;
      if (n.state != "active") input.skip_reason = "node is " + n.state;
      Json report = {{"outcome", n.applied ? "applied" : "activating"},
                     {"system", kNew},
                     {"deployment", "d-1"},
                     {"booted_system", n.booted},
                     {"boot_id", n.boot_id},
                     {"reboot_required", n.reboot_required}};
      if (!n.reboot.is_null()) report["reboot"] = n.reboot;
      input.report = report;
      return input;
    };
  }
  // What the agent does with the reboot section: a new boot with the new system booted.
  void comeBack(const std::string& id, const std::string& health) {
    Node& n = nodes[id];
    n.booted = kNew;
    n.boot_id = "boot-2";
    n.reboot_required = false;
    n.reboot = {{"token", "d-1-reboot"}, {"state", "done"}, {"health", health}};
  }
};

// A rollout of `nodes` nodes (reboot always, one at a time) whose first node applied, was
// drained and was told to reboot (at t=2).
Deployment rebootingFirst(World& w, int nodes) {
  Deployment d = advance(make(nodes, 1, RebootPolicy::kAlways), w.lookup(), 0).next;
  w.nodes["n0"].applied = true;
  d = advance(d, w.lookup(), 1).next;
  w.nodes["n0"].state = "drained";
  return advance(d, w.lookup(), 2).next;
}

NodeStatus status(const RolloutStep& s, size_t i) {
  return s.next.nodes[i].status;
}
}  // namespace

TEST_CASE("reboot: applied node is drained, rebooted, confirmed back, then undrained",
          "[deployments][reboot]") {
  World w;
  auto step = advance(make(2, 1, RebootPolicy::kWhenRequired), w.lookup(), 0);
  REQUIRE(step.start == std::vector<std::string>{"n0"});

  w.nodes["n0"].applied = true;
  step = advance(step.next, w.lookup(), 10);
  CHECK(status(step, 0) == NodeStatus::kDraining);
  CHECK(step.drain == std::vector<std::string>{"n0"});
  CHECK(step.start.empty());  // a wave of one: n1 waits for n0's reboot
  CHECK(step.next.nodes[0].drained_by_us);

  // Still draining (placement moving its instances): nothing happens yet.
  w.nodes["n0"].state = "draining";
  auto idle = advance(step.next, w.lookup(), 20);
  CHECK_FALSE(idle.changed);

  w.nodes["n0"].state = "drained";
  step = advance(step.next, w.lookup(), 30);
  CHECK(status(step, 0) == NodeStatus::kRebooting);
  CHECK(step.reboot == std::vector<std::string>{"n0"});
  CHECK(step.next.nodes[0].boot_id == "boot-1");
  auto section = rebootSection(step.next);
  CHECK(section["reboot_token"] == "d-1-reboot");
  CHECK(section["system"] == kNew);
  CHECK(section["deployment"] == "d-1");

  // Requested, same boot: not back yet. The new system booted in the old boot id is not
  // enough either (a report from before the reboot).
  w.nodes["n0"].reboot = {{"token", "d-1-reboot"}, {"state", "requested"}};
  CHECK_FALSE(advance(step.next, w.lookup(), 40).changed);
  w.nodes["n0"].booted = kNew;
  w.nodes["n0"].reboot = {{"token", "d-1-reboot"}, {"state", "done"}};
  CHECK_FALSE(advance(step.next, w.lookup(), 41).changed);

  w.comeBack("n0", "failed");
  step = advance(step.next, w.lookup(), 50);
  CHECK(status(step, 0) == NodeStatus::kConfirming);
  CHECK(step.undrain.empty());
  CHECK_FALSE(advance(step.next, w.lookup(), 60).changed);  // health gate not passed yet

  w.nodes["n0"].reboot["health"] = "ok";
  step = advance(step.next, w.lookup(), 70);
  CHECK(status(step, 0) == NodeStatus::kApplied);
  CHECK(step.undrain == std::vector<std::string>{"n0"});
  CHECK_FALSE(step.next.nodes[0].drained_by_us);
  CHECK(step.start == std::vector<std::string>{"n1"});  // the next wave
}

TEST_CASE(
    "reboot: when-required skips nodes whose agent needs none, never skips all, always "
    "reboots all",
    "[deployments][reboot]") {
  for (auto [policy, required, expect] :
       {std::tuple{RebootPolicy::kWhenRequired, false, NodeStatus::kApplied},
        std::tuple{RebootPolicy::kWhenRequired, true, NodeStatus::kDraining},
        std::tuple{RebootPolicy::kNever, true, NodeStatus::kApplied},
        std::tuple{RebootPolicy::kAlways, false, NodeStatus::kDraining}}) {
    World w;
    auto step = advance(make(1, 1, policy), w.lookup(), 0);
    w.nodes["n0"].applied = true;
    w.nodes["n0"].reboot_required = required;
    step = advance(step.next, w.lookup(), 1);
    CAPTURE(toString(policy), required);
    CHECK(status(step, 0) == expect);
    CHECK(step.drain.size() == (expect == NodeStatus::kDraining ? 1u : 0u));
  }
}

TEST_CASE("reboot: a node that does not come back stops the deployment, the rest untouched",
          "[deployments][reboot]") {
  World w;
  Deployment d = rebootingFirst(w, 3);
  REQUIRE(d.nodes[0].status == NodeStatus::kRebooting);

  w.nodes["n0"].reboot = {{"token", "d-1-reboot"}, {"state", "requested"}};
  CHECK(advance(d, w.lookup(), 2 + 299).next.nodes[0].status == NodeStatus::kRebooting);
  auto step = advance(d, w.lookup(), 2 + 300);
  CHECK(status(step, 0) == NodeStatus::kTimeout);
  CHECK(step.next.nodes[0].reason.find("did not come back") != std::string::npos);
  CHECK(step.undrain.empty());  // left drained: it is not serving
  CHECK(step.start.empty());
  CHECK(status(step, 1) == NodeStatus::kNotStarted);
  CHECK(status(step, 2) == NodeStatus::kNotStarted);
  CHECK(step.next.state == DeploymentState::kFailed);
  CHECK(step.next.reason.find("n0 timeout") != std::string::npos);
}

TEST_CASE("reboot: a drain that never completes times out and undrains, not rebooted",
          "[deployments][reboot]") {
  World w;
  Deployment d = advance(make(1, 1, RebootPolicy::kAlways), w.lookup(), 0).next;
  w.nodes["n0"].applied = true;
  d = advance(d, w.lookup(), 1).next;
  w.nodes["n0"].state = "draining";
  auto step = advance(d, w.lookup(), 301);
  CHECK(status(step, 0) == NodeStatus::kTimeout);
  CHECK(step.undrain == std::vector<std::string>{"n0"});
  CHECK(step.reboot.empty());
  CHECK(step.next.state == DeploymentState::kFailed);
}

TEST_CASE("reboot: a health gate that never passes after the reboot fails the node, left drained",
          "[deployments][reboot]") {
  World w;
  Deployment d = rebootingFirst(w, 1);
  w.comeBack("n0", "failed");
  w.nodes["n0"].reboot["reason"] = "unit web.service is failed";
  d = advance(d, w.lookup(), 3).next;
  REQUIRE(d.nodes[0].status == NodeStatus::kConfirming);
  auto step = advance(d, w.lookup(), 3 + 30);
  CHECK(status(step, 0) == NodeStatus::kFailed);
  CHECK(step.next.nodes[0].reason.find("web.service") != std::string::npos);
  CHECK(step.undrain.empty());
}

TEST_CASE("reboot: waves of max_parallel count nodes in every reboot step as busy",
          "[deployments][reboot]") {
  World w;
  Deployment d = advance(make(4, 2, RebootPolicy::kAlways), w.lookup(), 0).next;
  w.nodes["n0"].applied = true;
  w.nodes["n1"].applied = true;
  auto step = advance(d, w.lookup(), 1);
  CHECK(step.drain == std::vector<std::string>{"n0", "n1"});
  CHECK(step.start.empty());
  w.nodes["n0"].state = "drained";
  step = advance(step.next, w.lookup(), 2);
  CHECK(step.reboot == std::vector<std::string>{"n0"});
  CHECK(step.start.empty());
}

TEST_CASE("reboot: cancel undrains what the deployment drained, the record reads back",
          "[deployments][reboot]") {
  World w;
  Deployment d = advance(make(2, 2, RebootPolicy::kAlways), w.lookup(), 0).next;
  w.nodes["n0"].applied = true;
  d = advance(d, w.lookup(), 1).next;
  REQUIRE(d.nodes[0].status == NodeStatus::kDraining);

  auto back = deploymentFromJson(toJson(d));
  REQUIRE(back);
  CHECK(toJson(*back) == toJson(d));
  CHECK(back->reboot == RebootPolicy::kAlways);
  CHECK(back->nodes[0].drained_by_us);

  Deployment c = cancelDeployment(d, 5);
  CHECK(cancelUndrains(d, c) == std::vector<std::string>{"n0"});
  CHECK(c.nodes[0].status == NodeStatus::kCancelled);
  CHECK(c.nodes[0].reason.find("draining") != std::string::npos);

  // A record from before reboots existed never reboots.
  Json old = toJson(make(1, 1, RebootPolicy::kNever));
  old.erase("reboot");
  old.erase("reboot_timeout_s");
  auto legacy = deploymentFromJson(old);
  REQUIRE(legacy);
  CHECK(legacy->reboot == RebootPolicy::kNever);
}

TEST_CASE("reboot: the request's reboot policy defaults by mode and names its field",
          "[deployments][reboot]") {
  Json body = {{"system", kNew}, {"selector", Json::object()}, {"mode", "boot"}};
  auto r = parseDeploymentRequest(body);
  REQUIRE(r);
  CHECK(r->reboot == RebootPolicy::kWhenRequired);
  CHECK(r->reboot_timeout_s == kDefaultRebootTimeoutS);
  body["mode"] = "switch";
  CHECK(parseDeploymentRequest(body)->reboot == RebootPolicy::kNever);
  body["reboot"] = "always";
  body["reboot_timeout_s"] = 60;
  r = parseDeploymentRequest(body);
  REQUIRE(r);
  CHECK(r->reboot == RebootPolicy::kAlways);
  CHECK(r->reboot_timeout_s == 60);
  body["reboot"] = "sometimes";
  CHECK(parseDeploymentRequest(body).error().field == "reboot");
  body["reboot"] = 3;
  CHECK(parseDeploymentRequest(body).error().field == "reboot");
  body["reboot"] = "always";
  body["mode"] = "test";
  CHECK(parseDeploymentRequest(body).error().field == "reboot");
  body["mode"] = "boot";
  body["reboot_timeout_s"] = 0;
  CHECK(parseDeploymentRequest(body).error().field == "reboot_timeout_s");
  // The token is the coordinator's to set, never the operator's.
  body.erase("reboot_timeout_s");
  body["reboot_token"] = "x";
  CHECK(parseDeploymentRequest(body).error().field == "reboot_token");
}
