// The node lifecycle as a pure state machine: which operator action is legal in which state,
// where it leads, and which transient states carry a deadline and a failure state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/cluster.h"
#include "common/api/node.h"

namespace photon::coordinator {

using common::NodeState;

enum class NodeAction { kCommission, kInstall, kDrain, kUndrain, kReprovision, kRescue, kRetire };

std::optional<NodeAction> parseNodeAction(std::string_view text);
std::string_view toString(NodeAction action);

// The actions an operator may take from `state`, by name, for a 409's "allowed".
std::vector<std::string> allowedActions(NodeState state);

// The state an action leads to, or a kConflict error listing the allowed actions.
common::Result<NodeState> nextState(NodeState state, NodeAction action);

// Seconds a node may stay in `state` before it has failed (nothing when the state is not
// transient), and the state it then moves to.
std::optional<int64_t> deadlineSeconds(NodeState state, const common::LifecycleSettings& s);
std::optional<NodeState> stateAfterDeadline(NodeState state);

// Whether a node in this state may be handed secrets (BGP passwords, install credentials): once
// it is installing under a plan an operator or a declared rule approved, or active after it.
// A discovered, ready or rescued machine has proved nothing but holding the ISO.
bool receivesSecrets(NodeState state);

// Draining or drained: out of placement until an undrain.
bool isDrainState(NodeState state);
// Node::drained_by of the operator's drain (a deployment's is "deployment <id>").
inline constexpr const char* kOperatorDrain = "operator";

// Whether an agent polls in this state (liveness applies only then).
bool agentExpected(NodeState state);

}  // namespace photon::coordinator
