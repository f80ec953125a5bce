#include "coordinator/deploy/deployments.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/error_context.h"
#include "common/log.h"
#include "coordinator/deploy/reboot_steps.h"
#include "coordinator/deploy/rollout.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/inventory/lifecycle.h"
#include "coordinator/inventory/selector.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;

// "d-17" -> 17, for newest-first order (key order would put d-10 before d-2).
int64_t sequenceOf(const std::string& id) {
  try {
    return id.starts_with("d-") ? std::stoll(id.substr(2)) : 0;
  } catch (...) {
    return 0;
  }
}

// Why a node is not updated now, or "" when it can be.
std::string skipReason(Inventory& inventory, const common::Node& node) {
  if (node.state != common::NodeState::kActive) {
    return "node is " + std::string(common::toString(node.state));
  }
  if (inventory.liveness(node) == common::Liveness::kMissing)
    return "node is missing (its agent stopped polling)";
  return "";
}

// Drains (or undrains) a node for its reboot. Done before the record that says so is committed,
// and idempotent, so that a record that lost its commit redoes it harmlessly next round. Only
// the deployment's own drain is undone: a node the operator drained meanwhile stays drained
// (false, and its entry says so).
Result<bool> moveDrain(Inventory& inventory, const std::string& deployment_id,
                       const std::string& node_id, bool drain) {
  auto owner = deploymentDrainOwner(deployment_id);
  auto moved = drain ? inventory.drainFor(node_id, owner) : inventory.undrainFor(node_id, owner);
  if (!moved) {
    return std::unexpected(
        moved.error().context(drain ? "drain " + node_id : "undrain " + node_id));
  }
  if (*moved) {
    common::logInfo("deployments: " + std::string(drain ? "drained " : "undrained ") + node_id +
                    " for its reboot (" + deployment_id + ")");
  }
  return *moved;
}

// Undrains what the step returns to work; a node whose drain is no longer the deployment's says
// so in its entry.
Status undrainAll(Inventory& inventory, Deployment& d, const std::vector<std::string>& ids) {
  for (const auto& node_id : ids) {
    PHOTON_TRY_CTX(bool undrained, moveDrain(inventory, d.id, node_id, false),
                   "undrain node " + node_id);
    if (undrained) continue;
    auto node = inventory.getNode(node_id);
    if (!node || !isDrainState(node->state)) continue;
    for (auto& n : d.nodes) {
      if (n.id != node_id) continue;
      n.reason += (n.reason.empty() ? "" : "; ") + std::string("left drained (drained by ") +
                  (node->drained_by.empty() ? "someone else" : node->drained_by) + ")";
    }
  }
  return {};
}
}  // namespace

Result<Deployments::Loaded> Deployments::load(const std::string& id) {
  PHOTON_TRY(auto kv, store_.get(keys::deployment(id)));
  if (!kv) return fail(ErrorCode::kNotFound, "no deployment " + id, "id");
  PHOTON_TRY(Json j, parseStored(*kv));
  PHOTON_TRY(Deployment d, deploymentFromJson(j));
  return Loaded{std::move(d), kv->mod_revision};
}

Result<Deployment> Deployments::get(const std::string& id) {
  PHOTON_TRY(auto loaded, load(id));
  return loaded.deployment;
}

Result<std::vector<Deployment>> Deployments::list(size_t limit) {
  PHOTON_TRY(auto range, store_.range(keys::kDeploymentsPrefix));
  std::vector<Deployment> out;
  for (const auto& kv : range.kvs) {
    PHOTON_TRY(Json j, parseStored(kv));
    PHOTON_TRY(Deployment d, deploymentFromJson(j));
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const Deployment& a, const Deployment& b) {
    return sequenceOf(a.id) > sequenceOf(b.id);
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

Result<Deployment> Deployments::create(const DeploymentRequest& request) {
  return withRetries<Deployment>([&] { return createOnce(request); });
}

Result<Deployment> Deployments::createOnce(const DeploymentRequest& request) {
  PHOTON_TRY(Selector selector, parseSelector(request.selector, "selector"));
  PHOTON_TRY(auto all, inventory_.listNodes({}));
  for (size_t i = 0; i < selector.nodes.size(); ++i) {
    bool known = std::any_of(all.nodes.begin(), all.nodes.end(),
                             [&](const auto& n) { return n.id == selector.nodes[i]; });
    if (!known) {
      return common::invalid("selector.nodes[" + std::to_string(i) + "]",
                             "no node " + selector.nodes[i]);
    }
  }
  PHOTON_TRY(auto locks, store_.range(keys::kDeploymentLocksPrefix));
  std::map<std::string, std::string> held;  // node -> deployment
  for (const auto& kv : locks.kvs) {
    PHOTON_TRY(Json j, parseStored(kv));
    held[kv.key.substr(std::string(keys::kDeploymentLocksPrefix).size())] =
        j.value("deployment", "");
  }

  Deployment d;
  d.spec = request.spec;
  d.spec.deployment.clear();
  d.selector = request.selector;
  d.max_parallel = request.max_parallel;
  d.auto_revert = request.auto_revert;
  d.node_timeout_s = request.node_timeout_s;
  d.reboot = request.reboot;
  d.reboot_timeout_s = request.reboot_timeout_s;
  d.created_at = inventory_.clock().nowSeconds();
  size_t matched = 0, deployable = 0;
  std::string skipped_text;
  for (const auto& node : all.nodes) {
    if (!selector.matches(node)) continue;
    ++matched;
    NodeRollout n;
    n.id = node.id;
    n.reason = skipReason(inventory_, node);
    if (!n.reason.empty()) {
      n.status = NodeStatus::kSkipped;
      if (skipped_text.size() < 512) skipped_text += (skipped_text.empty() ? "" : ", ") + node.id;
    } else {
      ++deployable;
      if (auto it = held.find(node.id); it != held.end()) {
        return fail(ErrorCode::kConflict,
                    "node " + node.id + " is in running deployment " + it->second +
                        " (one running deployment per node)",
                    "selector");
      }
    }
    d.nodes.push_back(std::move(n));
  }
  // Explicit nodes roll out in the order the operator listed them (else in id order).
  auto rank = [&](const NodeRollout& n) {
    return std::find(selector.nodes.begin(), selector.nodes.end(), n.id) - selector.nodes.begin();
  };
  std::stable_sort(d.nodes.begin(), d.nodes.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  if (matched == 0) return common::invalid("selector", "matches no node");
  if (matched > kMaxDeploymentNodes) {
    return common::invalid("selector", "matches " + std::to_string(matched) + " nodes; at most " +
                                           std::to_string(kMaxDeploymentNodes) +
                                           " per deployment (split it by pool or label)");
  }
  if (deployable == 0) {
    return common::invalid("selector", "matches no deployable node (skipped: " + skipped_text +
                                           "; drained, missing or not active)");
  }

  PHOTON_TRY(auto seq, store_.get(keys::kDeploymentSequence));
  int64_t next = 1;
  Txn txn;
  if (seq) {
    PHOTON_TRY(Json j, parseStored(*seq));
    next = j.value("next", int64_t{1});
    txn.expect(seq->key, seq->mod_revision);
  } else {
    txn.expectAbsent(keys::kDeploymentSequence);
  }
  d.id = "d-" + std::to_string(next);
  txn.put(keys::kDeploymentSequence, Json{{"next", next + 1}}.dump());
  txn.expectAbsent(keys::deployment(d.id)).put(keys::deployment(d.id), toJson(d).dump());
  txn.put(keys::runningDeployment(d.id), "{}");
  for (const auto& n : d.nodes) {
    if (n.status == NodeStatus::kSkipped) continue;
    txn.expectAbsent(keys::deploymentLock(n.id))
        .put(keys::deploymentLock(n.id), Json{{"deployment", d.id}}.dump());
  }
  PHOTON_CHECK(store_.commit(txn));
  return d;
}

Status Deployments::releaseIfFinal(Txn& txn, const Deployment& d) {
  if (!isFinal(d.state)) return {};
  txn.erase(keys::runningDeployment(d.id));
  for (const auto& n : d.nodes) {
    PHOTON_TRY(auto lock, store_.get(keys::deploymentLock(n.id)));
    if (!lock) continue;
    PHOTON_TRY(Json j, parseStored(*lock));
    if (j.value("deployment", "") == d.id) {
      txn.expect(lock->key, lock->mod_revision).erase(lock->key);
    }
  }
  return {};
}

Result<Deployment> Deployments::cancel(const std::string& id) {
  return withRetries<Deployment>([&] { return cancelOnce(id); });
}

Result<Deployment> Deployments::cancelOnce(const std::string& id) {
  PHOTON_TRY(auto loaded, load(id));
  if (isFinal(loaded.deployment.state)) {
    return fail(
        ErrorCode::kConflict,
        "deployment " + id + " is already " + std::string(toString(loaded.deployment.state)),
        "state");
  }
  Deployment next = cancelDeployment(loaded.deployment, inventory_.clock().nowSeconds());
  PHOTON_CHECK(undrainAll(inventory_, next, cancelUndrains(loaded.deployment, next)));
  Txn txn;
  txn.expect(keys::deployment(id), loaded.mod_revision)
      .put(keys::deployment(id), toJson(next).dump());
  PHOTON_CHECK(releaseIfFinal(txn, next));
  PHOTON_CHECK(store_.commit(txn));
  return next;
}

Result<Deployments::Loaded> Deployments::loadKept(const std::string& id) {
  PHOTON_TRY(int64_t revision, store_.modRevision(keys::deployment(id)));
  if (auto it = records_.find(id); it != records_.end() && it->second.mod_revision == revision) {
    return it->second;
  }
  PHOTON_TRY(auto loaded, load(id));
  records_[id] = loaded;
  return loaded;
}

NodeInput Deployments::nodeInput(const std::string& node_id) {
  NodeInput input;
  SeenNode& seen = nodes_[node_id];
  auto node_revision = store_.modRevision(keys::node(node_id));
  if (!node_revision || *node_revision != seen.node_revision) {
    auto node = inventory_.getNode(node_id);
    seen.node = node ? std::optional<common::Node>(std::move(*node)) : std::nullopt;
    // An error (other than the node being gone): read again next time, not "gone" for good.
    const bool known = node || node.error().code == common::ErrorCode::kNotFound;
    seen.node_revision = node_revision && known ? *node_revision : -1;
  }
  if (!seen.node) {
    input.skip_reason = "node is gone";
    return input;
  }
  auto observed_revision = store_.modRevision(keys::observed(node_id));
  if (!observed_revision || *observed_revision != seen.observed_revision) {
    seen.report = nullptr;
    auto observed = inventory_.observed(node_id);
    if (observed && observed->body.contains("domains") && observed->body["domains"].is_object()) {
      seen.report = observed->body["domains"].value("system", Json());
    }
    const bool known = observed || observed.error().code == common::ErrorCode::kNotFound;
    seen.observed_revision = observed_revision && known ? *observed_revision : -1;
  }
  input.skip_reason = skipReason(inventory_, *seen.node);
  input.state = std::string(common::toString(seen.node->state));
  input.drained_by = seen.node->drained_by;
  input.report = seen.report;
  return input;
}

Result<int> Deployments::tick() {
  std::lock_guard lock(tick_mutex_);
  PHOTON_TRY(auto running, store_.range(keys::kRunningDeploymentsPrefix));
  // What finished deployments looked at goes; with none running nothing is kept.
  std::set<std::string> ids;
  for (const auto& kv : running.kvs) {
    ids.insert(kv.key.substr(std::string(keys::kRunningDeploymentsPrefix).size()));
  }
  std::erase_if(records_, [&](const auto& kv) { return !ids.contains(kv.first); });
  if (ids.empty()) nodes_.clear();
  int changed = 0;
  std::string first_error;
  for (const auto& id : ids) {
    auto moved = advanceOne(id);
    if (moved && *moved) ++changed;
    // A conflict means someone (a cancel) wrote in between: the next round sees it.
    if (!moved && !isStoreConflict(moved.error()) && first_error.empty()) {
      first_error = "deployment " + id + ": " + moved.error().message;
    }
  }
  if (!first_error.empty()) return fail(ErrorCode::kInternal, first_error);
  return changed;
}

Result<bool> Deployments::advanceOne(const std::string& id) {
  PHOTON_TRY(auto loaded, loadKept(id));
  const int64_t now = inventory_.clock().nowSeconds();
  std::map<std::string, NodeInput> seen;
  auto lookup = [&](const std::string& node_id) -> NodeInput {
    if (auto it = seen.find(node_id); it != seen.end()) return it->second;
    return seen[node_id] = nodeInput(node_id);
  };
  RolloutStep step = advance(loaded.deployment, lookup, now);
  if (!step.changed) return false;
  Deployment& next = step.next;
  for (const auto& node_id : step.drain) PHOTON_CHECK(moveDrain(inventory_, id, node_id, true));
  PHOTON_CHECK(undrainAll(inventory_, next, step.undrain));

  Txn txn;
  txn.expect(keys::deployment(id), loaded.mod_revision);
  enum class Write { kStart, kRevert, kReboot, kRevertReboot };
  auto writeDesired = [&](const std::string& node_id, Write what) -> Status {
    PHOTON_TRY(auto doc, inventory_.desired(node_id));
    auto node = std::find_if(next.nodes.begin(), next.nodes.end(),
                             [&](const auto& n) { return n.id == node_id; });
    if (what == Write::kStart) node->previous = doc.body.value("system", Json());
    // A null section removes it: a node that had none before the deployment gets none back.
    Json value = what == Write::kStart          ? desiredSection(next)
                 : what == Write::kReboot       ? rebootSection(next)
                 : what == Write::kRevertReboot ? revertRebootSection(next, *node).value_or(Json())
                                                : revertSection(next, *node).value_or(Json());
    PHOTON_TRY(int64_t compared, inventory_.stageDesiredSection(txn, node_id, "system", value));
    // `previous` was read above: the commit must guard that very revision.
    if (compared != doc.revision) {
      return fail(ErrorCode::kConflict, "desired " + node_id + " changed", keys::desired(node_id));
    }
    return {};
  };
  for (const auto& node_id : step.start) PHOTON_CHECK(writeDesired(node_id, Write::kStart));
  for (const auto& node_id : step.reboot) PHOTON_CHECK(writeDesired(node_id, Write::kReboot));
  for (const auto& node_id : step.revert) PHOTON_CHECK(writeDesired(node_id, Write::kRevert));
  for (const auto& node_id : step.revert_reboot) {
    PHOTON_CHECK(writeDesired(node_id, Write::kRevertReboot));
  }
  txn.put(keys::deployment(id), toJson(next).dump());
  PHOTON_CHECK(releaseIfFinal(txn, next));
  auto committed = store_.commit(txn);
  if (!committed) {
    records_.erase(id);
    return std::unexpected(committed.error());
  }
  records_[id] = Loaded{std::move(next), *committed};
  return true;
}

}  // namespace photon::coordinator
