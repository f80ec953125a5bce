#include <catch2/catch.hpp>

#include "coordinator/inventory/lifecycle.h"

using namespace photon;
using namespace photon::coordinator;
using common::NodeState;

TEST_CASE("lifecycle: the happy path from discovered to active and through a drain",
          "[inventory]") {
  CHECK(*nextState(NodeState::kDiscovered, NodeAction::kCommission) == NodeState::kCommissioning);
  CHECK(*nextState(NodeState::kReady, NodeAction::kInstall) == NodeState::kInstallPending);
  CHECK(*nextState(NodeState::kActive, NodeAction::kDrain) == NodeState::kDraining);
  CHECK(*nextState(NodeState::kDraining, NodeAction::kUndrain) == NodeState::kActive);
  CHECK(*nextState(NodeState::kDrained, NodeAction::kReprovision) == NodeState::kReprovisioning);
  CHECK(*nextState(NodeState::kActive, NodeAction::kRescue) == NodeState::kRescue);
  CHECK(*nextState(NodeState::kRescue, NodeAction::kCommission) == NodeState::kCommissioning);
}

TEST_CASE("lifecycle: an illegal action is a conflict listing the allowed ones", "[inventory]") {
  auto r = nextState(NodeState::kReady, NodeAction::kDrain);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == common::ErrorCode::kConflict);
  CHECK(r.error().field == "action");
  CHECK(r.error().allowed ==
        std::vector<std::string>{"commission", "install", "reprovision", "rescue", "retire"});
  CHECK(allowedActions(NodeState::kRetired).empty());
  CHECK_FALSE(nextState(NodeState::kRetired, NodeAction::kCommission));
}

TEST_CASE("lifecycle: each transient state has a deadline and a failure state", "[inventory]") {
  common::LifecycleSettings s;
  s.commission_deadline_s = 11;
  s.install_deadline_s = 22;
  s.drain_deadline_s = 33;
  CHECK(deadlineSeconds(NodeState::kCommissioning, s) == 11);
  CHECK(stateAfterDeadline(NodeState::kCommissioning) == NodeState::kCommissionFailed);
  for (auto st : {NodeState::kInstallPending, NodeState::kInstalling, NodeState::kReprovisioning}) {
    CHECK(deadlineSeconds(st, s) == 22);
    CHECK(stateAfterDeadline(st) == NodeState::kInstallFailed);
  }
  CHECK(deadlineSeconds(NodeState::kDraining, s) == 33);
  CHECK(stateAfterDeadline(NodeState::kDraining) == NodeState::kDrained);
  CHECK_FALSE(deadlineSeconds(NodeState::kActive, s));
  CHECK_FALSE(stateAfterDeadline(NodeState::kReady));
}
