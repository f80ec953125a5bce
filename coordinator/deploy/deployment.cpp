#include "coordinator/deploy/deployment.h"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "common/api/name_table.h"
#include "coordinator/inventory/selector.h"

// The wire names of the deployment enums (common/api/name_table.h).
namespace photon::common {
template <>
struct EnumNames<coordinator::DeploymentState> {
  static constexpr std::array<std::pair<coordinator::DeploymentState, std::string_view>, 5> kNames{{
      {coordinator::DeploymentState::kRunning, "running"},
      {coordinator::DeploymentState::kReverting, "reverting"},
      {coordinator::DeploymentState::kSucceeded, "succeeded"},
      {coordinator::DeploymentState::kFailed, "failed"},
      {coordinator::DeploymentState::kCancelled, "cancelled"},
  }};
};

template <>
struct EnumNames<coordinator::NodeStatus> {
  static constexpr std::array<std::pair<coordinator::NodeStatus, std::string_view>, 12> kNames{{
      {coordinator::NodeStatus::kPending, "pending"},
      {coordinator::NodeStatus::kUpdating, "updating"},
      {coordinator::NodeStatus::kApplied, "applied"},
      {coordinator::NodeStatus::kRolledBack, "rolled-back"},
      {coordinator::NodeStatus::kFailed, "failed"},
      {coordinator::NodeStatus::kTimeout, "timeout"},
      {coordinator::NodeStatus::kSkipped, "skipped"},
      {coordinator::NodeStatus::kNotStarted, "not-started"},
      {coordinator::NodeStatus::kCancelled, "cancelled"},
      {coordinator::NodeStatus::kDraining, "draining"},
      {coordinator::NodeStatus::kRebooting, "rebooting"},
      {coordinator::NodeStatus::kConfirming, "confirming"},
  }};
};

template <>
struct EnumNames<coordinator::RebootPolicy> {
  static constexpr std::array<std::pair<coordinator::RebootPolicy, std::string_view>, 3> kNames{{
      {coordinator::RebootPolicy::kWhenRequired, "when-required"},
      {coordinator::RebootPolicy::kAlways, "always"},
      {coordinator::RebootPolicy::kNever, "never"},
  }};
};

template <>
struct EnumNames<coordinator::RevertStatus> {
  static constexpr std::array<std::pair<coordinator::RevertStatus, std::string_view>, 10> kNames{{
      {coordinator::RevertStatus::kNone, ""},
      {coordinator::RevertStatus::kReverting, "reverting"},
      {coordinator::RevertStatus::kReverted, "reverted"},
      {coordinator::RevertStatus::kRevertFailed, "revert-failed"},
      {coordinator::RevertStatus::kNothingToRevert, "nothing-to-revert"},
      {coordinator::RevertStatus::kCancelled, "cancelled"},
      {coordinator::RevertStatus::kRebootPending, "reboot-pending"},
      {coordinator::RevertStatus::kDraining, "draining"},
      {coordinator::RevertStatus::kRebooting, "rebooting"},
      {coordinator::RevertStatus::kConfirming, "confirming"},
  }};
};
}  // namespace photon::common

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;

// A stored document's enum: a name the table does not hold is the store's fault, not a caller's.
template <typename E>
common::Result<E> parseName(const std::string& name, const std::string& field) {
  if (auto value = common::parseEnum<E>(name)) return *value;
  return fail(ErrorCode::kInternal, "stored deployment has unknown " + field + " " + name, field);
}

// The body fields that make up the node's desired "system" section.
const std::set<std::string> kSectionFields = {
    "system", "substituters", "trusted_public_keys", "require_sigs",
    "mode",   "health",       "confirm_within_s"};
const std::set<std::string> kOwnFields = {"selector",       "max_parallel", "auto_revert",
                                          "node_timeout_s", "reboot",       "reboot_timeout_s"};
}  // namespace

std::string_view toString(DeploymentState state) {
  return common::enumName(state);
}
std::string_view toString(NodeStatus status) {
  return common::enumName(status);
}
std::string_view toString(RevertStatus status) {
  return common::enumName(status);
}
std::string_view toString(RebootPolicy policy) {
  return common::enumName(policy);
}

std::optional<RebootPolicy> parseRebootPolicy(const std::string& text) {
  return common::parseEnum<RebootPolicy>(text);
}

bool inFlight(NodeStatus status) {
  return status == NodeStatus::kUpdating || status == NodeStatus::kDraining ||
         status == NodeStatus::kRebooting || status == NodeStatus::kConfirming;
}

bool isFinal(DeploymentState state) {
  return state != DeploymentState::kRunning && state != DeploymentState::kReverting;
}

bool isFailure(NodeStatus status) {
  return status == NodeStatus::kRolledBack || status == NodeStatus::kFailed ||
         status == NodeStatus::kTimeout;
}

bool Deployment::stopping() const {
  return state == DeploymentState::kCancelled ||
         std::any_of(nodes.begin(), nodes.end(), [](const auto& n) { return isFailure(n.status); });
}

std::string revertTag(const std::string& deployment_id) {
  return deployment_id + "-revert";
}

Json desiredSection(const Deployment& d) {
  common::SystemSpec spec = d.spec;
  spec.deployment = d.id;
  return common::toJson(spec);
}

std::string rebootToken(const std::string& deployment_id) {
  return deployment_id + "-reboot";
}

Json rebootSection(const Deployment& d) {
  common::SystemSpec spec = d.spec;
  spec.deployment = d.id;
  spec.reboot_token = rebootToken(d.id);
  return common::toJson(spec);
}

std::optional<Json> revertSection(const Deployment& d, const NodeRollout& node) {
  if (node.previous.is_object()) {
    Json section = node.previous;
    section["deployment"] = revertTag(d.id);
    // The token of the deployment that wrote it is spent; a new one would reboot the node at
    // once, undrained. Its reboot back, if it needs one, comes with revertRebootSection.
    section.erase("reboot_token");
    return section;
  }
  // No section before this deployment (the node ran what it was installed with): go back to
  // the system the agent reported it came from, without this deployment's health checks.
  if (node.previous_system.empty()) return std::nullopt;
  common::SystemSpec spec = d.spec;
  spec.system = node.previous_system;
  spec.health = {};
  spec.deployment = revertTag(d.id);
  return common::toJson(spec);
}

std::optional<Json> revertRebootSection(const Deployment& d, const NodeRollout& node) {
  auto section = revertSection(d, node);
  if (section) (*section)["reboot_token"] = rebootToken(revertTag(d.id));
  return section;
}

Json toJson(const NodeRollout& n) {
  Json j = {{"id", n.id},
            {"status", toString(n.status)},
            {"desired_written", n.desired_written},
            {"previous", n.previous},
            {"previous_system", n.previous_system},
            {"generation", n.generation},
            {"reason", n.reason},
            {"timings", n.timings},
            {"started_at", n.started_at},
            {"finished_at", n.finished_at}};
  if (n.step_started_at != 0 || !n.boot_id.empty() || n.drained_by_us) {
    j["step_started_at"] = n.step_started_at;
    j["boot_id"] = n.boot_id;
    j["drained_by_us"] = n.drained_by_us;
  }
  if (n.revert != RevertStatus::kNone) {
    j["revert"] = toString(n.revert);
    j["revert_started_at"] = n.revert_started_at;
    j["revert_finished_at"] = n.revert_finished_at;
  }
  return j;
}

Json headerJson(const Deployment& d, Json nodes) {
  Json spec = common::toJson(d.spec);
  spec.erase("deployment");
  return {{"id", d.id},
          {"state", toString(d.state)},
          {"spec", spec},
          {"selector", d.selector},
          {"max_parallel", d.max_parallel},
          {"auto_revert", d.auto_revert},
          {"node_timeout_s", d.node_timeout_s},
          {"reboot", toString(d.reboot)},
          {"reboot_timeout_s", d.reboot_timeout_s},
          {"reason", d.reason},
          {"created_at", d.created_at},
          {"finished_at", d.finished_at},
          {"nodes", std::move(nodes)}};
}

Json creationNodes(const Deployment& d) {
  Json nodes = Json::array();
  for (const auto& n : d.nodes) {
    Json j = {{"id", n.id}};
    if (n.status != NodeStatus::kPending) j["status"] = toString(n.status);
    if (!n.reason.empty()) j["reason"] = n.reason;
    nodes.push_back(std::move(j));
  }
  return nodes;
}

Json toJson(const Deployment& d) {
  Json nodes = Json::array();
  for (const auto& n : d.nodes) nodes.push_back(toJson(n));
  Json j = headerJson(d, std::move(nodes));
  j["stopping"] = d.stopping();
  return j;
}

common::Result<NodeRollout> nodeRolloutFromJson(const Json& nj) {
  NodeRollout n;
  PHOTON_CHECK(common::requireObject(nj, "nodes"));
  PHOTON_TRY(n.id, common::readString(nj, "id", "nodes"));
  // A record's list written at creation leaves a pending node's status out.
  PHOTON_TRY(std::string status, common::readString(nj, "status", "nodes", "pending"));
  PHOTON_TRY(n.status, parseName<NodeStatus>(status, "nodes.status"));
  PHOTON_TRY(std::string revert, common::readString(nj, "revert", "nodes", ""));
  PHOTON_TRY(n.revert, parseName<RevertStatus>(revert, "nodes.revert"));
  PHOTON_TRY(n.desired_written, common::readBool(nj, "desired_written", "nodes", false));
  n.previous = nj.value("previous", Json());
  PHOTON_TRY(n.previous_system, common::readString(nj, "previous_system", "nodes", ""));
  PHOTON_TRY(n.generation, common::readInt(nj, "generation", "nodes", 0, INT64_MAX, 0));
  PHOTON_TRY(n.reason, common::readString(nj, "reason", "nodes", ""));
  n.timings = nj.value("timings", Json());
  PHOTON_TRY(n.started_at, common::readInt(nj, "started_at", "nodes", 0, INT64_MAX, 0));
  PHOTON_TRY(n.finished_at, common::readInt(nj, "finished_at", "nodes", 0, INT64_MAX, 0));
  PHOTON_TRY(n.revert_started_at,
             common::readInt(nj, "revert_started_at", "nodes", 0, INT64_MAX, 0));
  PHOTON_TRY(n.revert_finished_at,
             common::readInt(nj, "revert_finished_at", "nodes", 0, INT64_MAX, 0));
  PHOTON_TRY(n.step_started_at, common::readInt(nj, "step_started_at", "nodes", 0, INT64_MAX, 0));
  PHOTON_TRY(n.boot_id, common::readString(nj, "boot_id", "nodes", ""));
  PHOTON_TRY(n.drained_by_us, common::readBool(nj, "drained_by_us", "nodes", false));
  return n;
}

common::Result<Deployment> deploymentFromJson(const Json& j) {
  Deployment d;
  PHOTON_CHECK(common::requireObject(j, "deployment"));
  PHOTON_TRY(d.id, common::readString(j, "id", ""));
  PHOTON_TRY(std::string state, common::readString(j, "state", ""));
  PHOTON_TRY(d.state, parseName<DeploymentState>(state, "state"));
  PHOTON_TRY(Json spec, common::readObject(j, "spec", ""));
  PHOTON_TRY(d.spec, common::parseSystemSpec(spec));
  PHOTON_TRY(d.selector, common::readObject(j, "selector", ""));
  PHOTON_TRY(d.max_parallel, common::readInt(j, "max_parallel", "", 1, kMaxParallel));
  PHOTON_TRY(d.auto_revert, common::readBool(j, "auto_revert", ""));
  PHOTON_TRY(d.node_timeout_s, common::readInt(j, "node_timeout_s", "", 1, kMaxNodeTimeoutS));
  // Records from before reboots existed carry neither field: they never reboot.
  PHOTON_TRY(std::string reboot, common::readString(j, "reboot", "", "never"));
  PHOTON_TRY(d.reboot, parseName<RebootPolicy>(reboot, "reboot"));
  PHOTON_TRY(d.reboot_timeout_s,
             common::readInt(j, "reboot_timeout_s", "", 0, kMaxNodeTimeoutS, 0));
  PHOTON_TRY(d.reason, common::readString(j, "reason", "", ""));
  PHOTON_TRY(d.created_at, common::readInt(j, "created_at", "", 0, INT64_MAX, 0));
  PHOTON_TRY(d.finished_at, common::readInt(j, "finished_at", "", 0, INT64_MAX, 0));
  // Not readArray: that bounds what a client sends (1,024), and a record holds up to
  // kMaxDeploymentNodes (a deployment of 1,025 nodes or more could not be read back).
  static const Json kNone = Json::array();
  auto listed = j.find("nodes");
  const Json& nodes = listed == j.end() || listed->is_null() ? kNone : *listed;
  if (!nodes.is_array() || nodes.size() > kMaxDeploymentNodes) {
    return fail(ErrorCode::kInternal, "stored deployment has no readable node list", "nodes");
  }
  for (const auto& nj : nodes) {
    PHOTON_TRY(NodeRollout n, nodeRolloutFromJson(nj));
    d.nodes.push_back(std::move(n));
  }
  return d;
}

common::Result<DeploymentRequest> parseDeploymentRequest(const Json& body) {
  PHOTON_CHECK(common::requireObject(body, ""));
  Json section = Json::object();
  for (const auto& [key, value] : body.items()) {
    if (kSectionFields.contains(key)) {
      section[key] = value;
    } else if (!kOwnFields.contains(key)) {
      return common::invalid(key, "unknown field");
    }
  }
  DeploymentRequest r;
  auto spec = common::parseSystemSpec(section);
  if (!spec) {
    // The section's parser names fields "system.<field>"; in this body they are top-level.
    common::Error e = spec.error();
    if (e.field.starts_with("system.")) e.field = e.field.substr(7);
    return std::unexpected(std::move(e));
  }
  r.spec = std::move(*spec);
  if (!body.contains("selector")) return common::invalid("selector", "is required");
  r.selector = body["selector"];
  PHOTON_CHECK(parseSelector(r.selector, "selector"));
  PHOTON_TRY(r.max_parallel, common::readInt(body, "max_parallel", "", 1, kMaxParallel, 1));
  PHOTON_TRY(r.auto_revert, common::readBool(body, "auto_revert", "", true));
  PHOTON_TRY(r.node_timeout_s,
             common::readInt(body, "node_timeout_s", "", 1, kMaxNodeTimeoutS,
                             r.spec.confirm_within_s + kDefaultRealiseAllowanceS));
  if (r.node_timeout_s < r.spec.confirm_within_s) {
    return common::invalid("node_timeout_s", "must be at least confirm_within_s (" +
                                                 std::to_string(r.spec.confirm_within_s) + ")");
  }
  // A new kernel only comes in with a reboot, and boot mode is how it is installed.
  const std::string default_reboot =
      r.spec.mode == common::ActivationMode::kBoot ? "when-required" : "never";
  PHOTON_TRY(std::string reboot, common::readString(body, "reboot", "", default_reboot));
  auto policy = parseRebootPolicy(reboot);
  if (!policy) {
    return common::invalid("reboot",
                           "must be when-required, always or never, not " + reboot.substr(0, 64));
  }
  r.reboot = *policy;
  if (r.reboot != RebootPolicy::kNever && r.spec.mode == common::ActivationMode::kTest) {
    return common::invalid("reboot", "mode test does not survive a reboot; use boot or switch");
  }
  PHOTON_TRY(r.reboot_timeout_s, common::readInt(body, "reboot_timeout_s", "", 1, kMaxNodeTimeoutS,
                                                 kDefaultRebootTimeoutS));
  return r;
}

}  // namespace photon::coordinator
