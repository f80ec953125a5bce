// A node's lifecycle history as the API carries it: one entry per state change, newest last.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/node.h"

namespace photon::common {

struct NodeTransition {
  int64_t at = 0;                 // seconds since the epoch
  std::optional<NodeState> from;  // none: the node's first state, at enrolment
  NodeState to = NodeState::kDiscovered;
  // What moved it: an operator's action ("drain"), "phone-home", "install report",
  // "deadline" or "drain complete".
  std::string cause;
  std::string error;  // the node's last error as it entered `to`, if any
};

Json toJson(const NodeTransition& t);
Result<NodeTransition> nodeTransitionFromJson(const Json& j, const std::string& path);

// A stored or received history: an array of transitions.
Json toJson(const std::vector<NodeTransition>& history);
Result<std::vector<NodeTransition>> nodeHistoryFromJson(const Json& j, const std::string& path);

}  // namespace photon::common
