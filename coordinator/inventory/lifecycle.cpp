#include "coordinator/inventory/lifecycle.h"

#include <array>

namespace photon::coordinator {
namespace {
constexpr std::array<std::pair<NodeAction, std::string_view>, 7> kActionNames = {{
    {NodeAction::kCommission, "commission"},
    {NodeAction::kInstall, "install"},
    {NodeAction::kDrain, "drain"},
    {NodeAction::kUndrain, "undrain"},
    {NodeAction::kReprovision, "reprovision"},
    {NodeAction::kRescue, "rescue"},
    {NodeAction::kRetire, "retire"},
}};

std::optional<NodeState> transition(NodeState s, NodeAction a) {
  using S = NodeState;
  if (s == S::kRetired) return std::nullopt;  // retired is final
  switch (a) {
    case NodeAction::kCommission:
      if (s == S::kDiscovered || s == S::kCommissionFailed || s == S::kReady || s == S::kRescue) {
        return S::kCommissioning;
      }
      return std::nullopt;
    case NodeAction::kInstall:
      if (s == S::kReady || s == S::kInstallFailed) return S::kInstallPending;
      return std::nullopt;
    case NodeAction::kDrain:
      if (s == S::kActive) return S::kDraining;
      return std::nullopt;
    case NodeAction::kUndrain:
      if (s == S::kDraining || s == S::kDrained) return S::kActive;
      return std::nullopt;
    case NodeAction::kReprovision:
      if (s == S::kDiscovered || s == S::kReprovisioning) return std::nullopt;
      return S::kReprovisioning;
    case NodeAction::kRescue:
      if (s == S::kRescue) return std::nullopt;
      return S::kRescue;
    case NodeAction::kRetire:
      return S::kRetired;
  }
  return std::nullopt;
}
}  // namespace

std::optional<NodeAction> parseNodeAction(std::string_view text) {
  for (const auto& [a, name] : kActionNames) {
    if (name == text) return a;
  }
  return std::nullopt;
}

std::string_view toString(NodeAction action) {
  for (const auto& [a, name] : kActionNames) {
    if (a == action) return name;
  }
  return "unknown";
}

std::vector<std::string> allowedActions(NodeState state) {
  std::vector<std::string> out;
  for (const auto& [a, name] : kActionNames) {
    if (transition(state, a)) out.emplace_back(name);
  }
  return out;
}

common::Result<NodeState> nextState(NodeState state, NodeAction action) {
  if (auto next = transition(state, action)) return *next;
  common::Error e{common::ErrorCode::kConflict,
                  "cannot " + std::string(toString(action)) + " a node in state " +
                      std::string(common::toString(state)),
                  "action", allowedActions(state)};
  return std::unexpected(e);
}

std::optional<int64_t> deadlineSeconds(NodeState state, const common::LifecycleSettings& s) {
  switch (state) {
    case NodeState::kCommissioning:
      return s.commission_deadline_s;
    case NodeState::kInstallPending:
    case NodeState::kInstalling:
    case NodeState::kReprovisioning:
      return s.install_deadline_s;
    case NodeState::kDraining:
      return s.drain_deadline_s;
    default:
      return std::nullopt;
  }
}

std::optional<NodeState> stateAfterDeadline(NodeState state) {
  switch (state) {
    case NodeState::kCommissioning:
      return NodeState::kCommissionFailed;
    case NodeState::kInstallPending:
    case NodeState::kInstalling:
    case NodeState::kReprovisioning:
      return NodeState::kInstallFailed;
    // A drain past its deadline stops what is left and counts as drained.
    case NodeState::kDraining:
      return NodeState::kDrained;
    default:
      return std::nullopt;
  }
}

bool receivesSecrets(NodeState state) {
  return state == NodeState::kInstalling || state == NodeState::kActive ||
         state == NodeState::kDraining || state == NodeState::kDrained;
}

bool isDrainState(NodeState state) {
  return state == NodeState::kDraining || state == NodeState::kDrained;
}

bool agentExpected(NodeState state) {
  return state == NodeState::kActive || state == NodeState::kDraining ||
         state == NodeState::kDrained;
}

}  // namespace photon::coordinator
