// A node as the inventory holds it, the phone-home exchange and the install plan.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/api/facts.h"

namespace photon::common {

enum class NodeState {
  kDiscovered,
  kCommissioning,
  kCommissionFailed,
  kReady,
  kInstallPending,
  kInstalling,
  kInstallFailed,
  kActive,
  kDraining,
  kDrained,
  kReprovisioning,
  kRescue,
  kRetired,
};

std::string_view toString(NodeState state);
std::optional<NodeState> parseNodeState(std::string_view text);

struct InstallPlan {
  std::string node_id;
  std::string hostname;
  std::string address;  // primary IPv4 address from the pool
  int prefix_length = 0;
  std::string gateway;
  std::string mac;  // the NIC the address belongs on
  std::string disk_layout;
  std::string system_profile;
};

Json toJson(const InstallPlan& plan);
Result<InstallPlan> installPlanFromJson(const Json& j, const std::string& path);

struct Node {
  std::string id;
  std::string machine_id;
  std::string hostname;
  NodeState state = NodeState::kDiscovered;
  std::string class_name;
  std::string pool;
  std::string profile;
  std::string disk_layout;
  std::string rule;  // the enrollment rule that matched, if any
  std::map<std::string, std::string> labels;
  Facts facts;
  std::string address;  // allocated once the node is install-pending
  int64_t address_index = 0;
  int64_t created_at = 0;
  int64_t state_since = 0;
  int64_t deadline = 0;  // 0: the state has no deadline
  std::string last_error;
  // While draining or drained: whose drain holds it, "operator" or "deployment d-N" (a
  // deployment's reboot step, which undrains only its own); empty otherwise.
  std::string drained_by;
};

Json toJson(const Node& node);
Result<Node> nodeFromJson(const Json& j);

struct PhoneHomeRequest {
  std::string machine_id;
  std::string hostname;
  Facts facts;
  std::map<std::string, std::string> labels;  // hints from the boot medium (rack, TOR port)
};

Result<PhoneHomeRequest> phoneHomeFromJson(const Json& j);
Json toJson(const PhoneHomeRequest& request);

}  // namespace photon::common
