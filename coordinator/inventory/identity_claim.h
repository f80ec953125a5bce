// Who may speak for an identity that already has a node. The bootstrap token is in every copy of
// the ISO, so it proves nothing about which machine holds it: a phone-home for a machine-id that
// is already a node is accepted only with proof. Pure.
#pragma once

#include <map>
#include <string>

#include "common/api/node.h"
#include "common/result.h"

namespace photon::coordinator {

// `photon.io/*` labels name a node to placement (its declared name, its role): they come from
// the operator and the cluster declaration only. The first reserved label in `labels`, as a 400.
[[nodiscard]] common::Status refuseReservedLabels(const std::map<std::string, std::string>& labels,
                                                  const std::string& field);
bool isReservedLabel(const std::string& key);

struct ClaimEvidence {
  bool presented_current_token = false;  // the caller showed this node's current token
  bool received_anything = false;        // an address, a desired document or a report exists
};

// Whether a phone-home may take over `node` (found by its machine-id): (a) it presents the node's
// current credential, (b) an operator put the node in reprovisioning or rescue, or (c) the node
// is discovered and nothing was ever handed to it. Otherwise a 409 naming the node and what the
// operator can do.
[[nodiscard]] common::Status mayClaim(const common::Node& node, const ClaimEvidence& evidence);

}  // namespace photon::coordinator
