#include "common/api/node.h"

#include <array>

#include "common/validate.h"

namespace photon::common {
namespace {
constexpr std::array<std::pair<NodeState, std::string_view>, 13> kStateNames = {{
    {NodeState::kDiscovered, "discovered"},
    {NodeState::kCommissioning, "commissioning"},
    {NodeState::kCommissionFailed, "commission-failed"},
    {NodeState::kReady, "ready"},
    {NodeState::kInstallPending, "install-pending"},
    {NodeState::kInstalling, "installing"},
    {NodeState::kInstallFailed, "install-failed"},
    {NodeState::kActive, "active"},
    {NodeState::kDraining, "draining"},
    {NodeState::kDrained, "drained"},
    {NodeState::kReprovisioning, "reprovisioning"},
    {NodeState::kRescue, "rescue"},
    {NodeState::kRetired, "retired"},
}};
}  // namespace

std::string_view toString(NodeState state) {
  for (const auto& [s, name] : kStateNames) {
    if (s == state) return name;
  }
  return "unknown";
}

std::optional<NodeState> parseNodeState(std::string_view text) {
  for (const auto& [s, name] : kStateNames) {
    if (name == text) return s;
  }
  return std::nullopt;
}

Json toJson(const InstallPlan& p) {
  return {{"node_id", p.node_id},         {"hostname", p.hostname},
          {"address", p.address},         {"prefix_length", p.prefix_length},
          {"gateway", p.gateway},         {"mac", p.mac},
          {"disk_layout", p.disk_layout}, {"system_profile", p.system_profile}};
}

Result<InstallPlan> installPlanFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  InstallPlan p;
  PHOTON_TRY(p.node_id, readString(j, "node_id", path));
  PHOTON_TRY(p.hostname, readString(j, "hostname", path));
  if (!isValidHostname(p.hostname)) return invalid(joinPath(path, "hostname"), "not a hostname");
  PHOTON_TRY(p.address, readString(j, "address", path));
  if (!parseIpv4(p.address)) return invalid(joinPath(path, "address"), "not an IPv4 address");
  PHOTON_TRY(int64_t len, readInt(j, "prefix_length", path, 0, 32));
  p.prefix_length = static_cast<int>(len);
  PHOTON_TRY(p.gateway, readString(j, "gateway", path, ""));
  PHOTON_TRY(p.mac, readString(j, "mac", path, ""));
  PHOTON_TRY(p.disk_layout, readString(j, "disk_layout", path, ""));
  // The installer makes a path of it: a name only, or ".." reaches out of the layouts dir.
  if (!p.disk_layout.empty() && !isValidDiskLayout(p.disk_layout)) {
    return invalid(joinPath(path, "disk_layout"), "must be a layout name, never a path");
  }
  PHOTON_TRY(p.system_profile, readString(j, "system_profile", path, ""));
  return p;
}

Json toJson(const Node& n) {
  Json j = {{"id", n.id},
            {"machine_id", n.machine_id},
            {"hostname", n.hostname},
            {"state", toString(n.state)},
            {"class", n.class_name},
            {"pool", n.pool},
            {"profile", n.profile},
            {"disk_layout", n.disk_layout},
            {"rule", n.rule},
            {"labels", n.labels},
            {"facts", toJson(n.facts)},
            {"address", n.address},
            {"address_index", n.address_index},
            {"created_at", n.created_at},
            {"state_since", n.state_since},
            {"deadline", n.deadline},
            {"last_error", n.last_error},
            {"drained_by", n.drained_by}};
  return j;
}

Result<Node> nodeFromJson(const Json& j) {
  PHOTON_CHECK(requireObject(j, ""));
  Node n;
  PHOTON_TRY(n.id, readString(j, "id", ""));
  PHOTON_TRY(n.machine_id, readString(j, "machine_id", ""));
  PHOTON_TRY(n.hostname, readString(j, "hostname", "", ""));
  PHOTON_TRY(std::string state, readString(j, "state", ""));
  auto parsed = parseNodeState(state);
  if (!parsed) return invalid("state", "unknown state '" + state + "'");
  n.state = *parsed;
  PHOTON_TRY(n.class_name, readString(j, "class", "", ""));
  PHOTON_TRY(n.pool, readString(j, "pool", "", ""));
  PHOTON_TRY(n.profile, readString(j, "profile", "", ""));
  PHOTON_TRY(n.disk_layout, readString(j, "disk_layout", "", ""));
  PHOTON_TRY(n.rule, readString(j, "rule", "", ""));
  PHOTON_TRY(n.labels, readLabels(j, "labels", ""));
  PHOTON_TRY(Json facts, readObject(j, "facts", ""));
  PHOTON_TRY(n.facts, factsFromJson(facts, "facts"));
  PHOTON_TRY(n.address, readString(j, "address", "", ""));
  PHOTON_TRY(n.address_index, readInt(j, "address_index", "", 0, INT64_MAX, 0));
  PHOTON_TRY(n.created_at, readInt(j, "created_at", "", 0, INT64_MAX, 0));
  PHOTON_TRY(n.state_since, readInt(j, "state_since", "", 0, INT64_MAX, 0));
  PHOTON_TRY(n.deadline, readInt(j, "deadline", "", 0, INT64_MAX, 0));
  PHOTON_TRY(n.last_error, readString(j, "last_error", "", ""));
  PHOTON_TRY(n.drained_by, readString(j, "drained_by", "", ""));
  return n;
}

Result<PhoneHomeRequest> phoneHomeFromJson(const Json& j) {
  PHOTON_CHECK(requireObject(j, ""));
  PhoneHomeRequest r;
  PHOTON_TRY(r.machine_id, readString(j, "machine_id", ""));
  if (!isValidMachineId(r.machine_id)) {
    return invalid("machine_id", "must be 32 lowercase hex digits, as in /etc/machine-id");
  }
  PHOTON_TRY(r.hostname, readString(j, "hostname", "", ""));
  if (!r.hostname.empty() && !isValidHostname(r.hostname)) {
    return invalid("hostname", "is not a valid hostname");
  }
  PHOTON_TRY(Json facts, readObject(j, "facts", ""));
  PHOTON_TRY(r.facts, factsFromJson(facts, "facts"));
  PHOTON_TRY(r.labels, readLabels(j, "labels", ""));
  return r;
}

Json toJson(const PhoneHomeRequest& r) {
  return {{"machine_id", r.machine_id},
          {"hostname", r.hostname},
          {"facts", toJson(r.facts)},
          {"labels", r.labels}};
}

}  // namespace photon::common
