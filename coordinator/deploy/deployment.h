// A deployment: one NixOS generation rolled across the nodes a selector picked, max_parallel at
// a time, as the API shows it. In the store it is a header (deployments/d/<id>: its settings,
// state and the node list as created) and one progress document per node that has moved
// (deployments/p/<id>/<node>): a 10,000-node record would pass etcd's request size, and a step
// rewrites only the nodes it moved (deployment_store.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/system_spec.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::coordinator {

using common::Json;

// running: nodes are being updated; reverting: a failure stopped it and the updated nodes are
// being returned to their previous system; the rest are final.
enum class DeploymentState { kRunning, kReverting, kSucceeded, kFailed, kCancelled };

// pending: not started yet; updating: its desired system is set, waiting for its report;
// draining, rebooting, confirming: the reboot that brings its new kernel in (drained by
// placement, told to reboot, back with the new booted system and waiting for its health gate);
// applied, rolled-back, failed, timeout: its outcome; skipped: drained or missing at its turn;
// not-started: the rollout stopped before its turn; cancelled: the operator cancelled it.
enum class NodeStatus {
  kPending,
  kUpdating,
  kApplied,
  kRolledBack,
  kFailed,
  kTimeout,
  kSkipped,
  kNotStarted,
  kCancelled,
  kDraining,
  kRebooting,
  kConfirming
};

// Whether an applied node is rebooted: only when its agent reports reboot_required (the booted
// kernel, initrd or modules differ from the new system's), always, or never.
enum class RebootPolicy { kWhenRequired, kAlways, kNever };

// What happened when a failed deployment returned the node to its previous system: reverting
// (its previous section written), then, when it must reboot to run it, reboot-pending (waiting
// for its wave), draining, rebooting, confirming, as the rollout's reboot; and the outcomes.
enum class RevertStatus {
  kNone,
  kReverting,
  kReverted,
  kRevertFailed,
  kNothingToRevert,
  kCancelled,
  kRebootPending,
  kDraining,
  kRebooting,
  kConfirming
};

std::string_view toString(DeploymentState state);
std::string_view toString(NodeStatus status);
std::string_view toString(RevertStatus status);
std::string_view toString(RebootPolicy policy);
std::optional<RebootPolicy> parseRebootPolicy(const std::string& text);
// A node whose turn has begun and not ended: it counts against max_parallel.
bool inFlight(NodeStatus status);
bool isFinal(DeploymentState state);
bool isFailure(NodeStatus status);

struct NodeRollout {
  std::string id;
  NodeStatus status = NodeStatus::kPending;
  RevertStatus revert = RevertStatus::kNone;
  bool desired_written = false;  // its desired system section is this deployment's
  Json previous = nullptr;       // the desired "system" section it had before (null: none)
  std::string previous_system;   // as the agent reported it
  int64_t generation = 0;
  std::string reason;
  Json timings = nullptr;  // the agent's own (realise_ms, switch_ms, health_ms, …)
  int64_t started_at = 0;
  int64_t finished_at = 0;
  int64_t revert_started_at = 0;
  int64_t revert_finished_at = 0;
  // The reboot: when the current step (draining, rebooting, confirming) began, the boot id the
  // agent reported before it was told to reboot (the one it must come back without), and
  // whether this deployment drained it (then it undrains it).
  int64_t step_started_at = 0;
  std::string boot_id;
  bool drained_by_us = false;

  bool operator==(const NodeRollout&) const = default;
};

struct Deployment {
  std::string id;
  DeploymentState state = DeploymentState::kRunning;
  common::SystemSpec spec;  // spec.deployment is unset; each node gets its own copy with the id
  Json selector = Json::object();
  int64_t max_parallel = 1;
  bool auto_revert = true;
  int64_t node_timeout_s = 0;
  RebootPolicy reboot = RebootPolicy::kNever;
  // How long a node may take for each reboot step (drain, come back, pass its health gate).
  int64_t reboot_timeout_s = 0;
  std::string reason;  // why it stopped
  int64_t created_at = 0;
  int64_t finished_at = 0;
  std::vector<NodeRollout> nodes;

  // A failed node or a cancel: start no more nodes. Derived from the nodes and the state, never
  // stored on its own, so it cannot disagree with them.
  bool stopping() const;
};

// The API's view, and the whole record as one document (how records were stored before they
// were split, and still read). "stopping" is written for readers and ignored when read back
// (records from before it was derived carry it too).
Json toJson(const Deployment& d);
common::Result<Deployment> deploymentFromJson(const Json& j);
// One node's entry: in the whole record, and alone as its progress document.
Json toJson(const NodeRollout& n);
common::Result<NodeRollout> nodeRolloutFromJson(const Json& j);
// The stored header: the deployment's own fields with `nodes` as given (the list written at
// creation, kept as it was stored), and that list for a new deployment: each node's id, with
// its status and reason only when it was skipped at creation (about 20 bytes a node).
Json headerJson(const Deployment& d, Json nodes);
Json creationNodes(const Deployment& d);

// The body of POST /api/v1/deployments, validated: every refusal names its field.
struct DeploymentRequest {
  common::SystemSpec spec;
  Json selector = Json::object();
  int64_t max_parallel = 1;
  bool auto_revert = true;
  int64_t node_timeout_s = 0;
  RebootPolicy reboot = RebootPolicy::kNever;
  int64_t reboot_timeout_s = 0;
};

constexpr int64_t kMaxParallel = 1000;
// The header's node list is one value (about 20 bytes a node, within etcd's 1.5 MiB request),
// and a step of a deployment this large is still a few MB at most.
constexpr size_t kMaxDeploymentNodes = 10000;
constexpr int64_t kMaxNodeTimeoutS = 86400;
// A reboot step's default: a server's firmware alone can take minutes.
constexpr int64_t kDefaultRebootTimeoutS = 900;
// What a node gets beyond confirm_within_s to fetch the closure and report, by default.
constexpr int64_t kDefaultRealiseAllowanceS = 600;

[[nodiscard]] common::Result<DeploymentRequest> parseDeploymentRequest(const Json& body);

// The desired "system" section a node gets from this deployment, and the one that returns it to
// its previous system (nothing when no previous system is known).
Json desiredSection(const Deployment& d);
std::optional<Json> revertSection(const Deployment& d, const NodeRollout& node);
std::string revertTag(const std::string& deployment_id);
// The section that tells the node to reboot once for this deployment (desiredSection plus the
// reboot token), and that token.
Json rebootSection(const Deployment& d);
// The revert's section with the token of the reboot back ("{id}-revert-reboot").
std::optional<Json> revertRebootSection(const Deployment& d, const NodeRollout& node);
std::string rebootToken(const std::string& deployment_id);

}  // namespace photon::coordinator
