#include "coordinator/inventory/identity_claim.h"

#include <algorithm>

#include "coordinator/inventory/lifecycle.h"

namespace photon::coordinator {

bool isReservedLabel(const std::string& key) {
  return key.starts_with("photon.io/");
}

common::Status refuseReservedLabels(const std::map<std::string, std::string>& labels,
                                    const std::string& field) {
  for (const auto& [key, value] : labels) {
    if (!isReservedLabel(key)) continue;
    return common::invalid(field + "." + key,
                           "label '" + key +
                               "' is reserved: photon.io/* labels come only from the operator "
                               "and the cluster declaration");
  }
  return {};
}

common::Status mayClaim(const common::Node& node, const ClaimEvidence& evidence) {
  using S = common::NodeState;
  if (evidence.presented_current_token) return {};
  if (node.state == S::kReprovisioning || node.state == S::kRescue) return {};
  if (node.state == S::kDiscovered && !evidence.received_anything) return {};
  std::string state(common::toString(node.state));
  auto allowed = allowedActions(node.state);
  bool can_reprovision = std::find(allowed.begin(), allowed.end(), "reprovision") != allowed.end();
  std::string action = can_reprovision ? "reprovision" : "rescue";
  common::Error e{common::ErrorCode::kConflict,
                  "machine " + node.machine_id + " is node " + node.id + " (" + state +
                      "), and this phone-home did not present node " + node.id +
                      "'s credential; if this machine really is " + node.id +
                      " booted into the installer again, an operator puts it in reprovisioning "
                      "or rescue first (photonctl " +
                      action + " " + node.id +
                      "), otherwise another machine is claiming its identity",
                  "machine_id", allowed};
  return std::unexpected(e);
}

}  // namespace photon::coordinator
