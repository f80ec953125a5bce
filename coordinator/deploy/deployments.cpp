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
#include "coordinator/store/chunked_commit.h"

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

Result<Deployment> Deployments::get(const std::string& id) {
  PHOTON_TRY(auto stored, readDeployment(store_, id));
  return std::move(stored.deployment);
}

Result<std::vector<Deployment>> Deployments::list(size_t limit) {
  PHOTON_TRY(auto range, store_.revisions(keys::kDeploymentsPrefix));
  std::vector<std::string> ids;
  for (const auto& kv : range)
    ids.push_back(kv.key.substr(std::string(keys::kDeploymentsPrefix).size()));
  // Newest first, and only those read (each is its header and its nodes' progress).
  std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
    return sequenceOf(a) > sequenceOf(b);
  });
  if (ids.size() > limit) ids.resize(limit);
  std::vector<Deployment> out;
  for (const auto& id : ids) {
    auto stored = readDeployment(store_, id);
    if (!stored && stored.error().code == ErrorCode::kNotFound) continue;  // gone meanwhile
    if (!stored) return std::unexpected(stored.error());
    out.push_back(std::move(stored->deployment));
  }
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
  // The sequence is read before the running deployments and compared at the commit: a create
  // that committed in between moved it, so this one is retried and then sees that deployment.
  PHOTON_TRY(auto seq, store_.get(keys::kDeploymentSequence));
  PHOTON_TRY(auto held, heldNodes());

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
  txn.expectAbsent(keys::deployment(d.id))
      .put(keys::deployment(d.id), headerJson(d, creationNodes(d)).dump());
  txn.put(keys::runningDeployment(d.id), "{}");
  PHOTON_TRY(int64_t revision, store_.commit(txn));
  // The deployment exists from here on (no retry may create it twice). Its nodes' locks are an
  // index (a locked node's report wakes the control thread), written in as many transactions
  // as they need; what a crash leaves unwritten the controller writes when it reads the
  // deployment (loadKept).
  std::vector<Txn> locks;
  for (const auto& n : d.nodes) {
    if (n.status == NodeStatus::kSkipped) continue;
    locks.push_back(Txn().put(keys::deploymentLock(n.id), Json{{"deployment", d.id}}.dump()));
  }
  auto locked =
      commitInChunks(store_, locks, {keys::deployment(d.id), revision}, store_.maxTxnOps());
  if (!locked) {
    common::logWarning("deployments: " + d.id + "'s node locks: " + locked.error().message +
                       " (written by the next round), ignoring");
  }
  return d;
}

Result<std::map<std::string, std::string>> Deployments::heldNodes() {
  std::map<std::string, std::string> held;  // node -> deployment
  PHOTON_TRY(auto running, store_.revisions(keys::kRunningDeploymentsPrefix));
  for (const auto& entry : running) {
    const std::string id = entry.key.substr(std::string(keys::kRunningDeploymentsPrefix).size());
    PHOTON_TRY(auto kv, store_.get(keys::deployment(id)));
    if (!kv) continue;
    PHOTON_TRY(Json header, parseStored(*kv));
    auto nodes = header.find("nodes");
    if (nodes == header.end() || !nodes->is_array()) continue;
    for (const auto& n : *nodes) {
      if (!n.is_object() || !n.contains("id") || !n["id"].is_string()) continue;
      // A node skipped is never touched again by that deployment.
      if (n.value("status", std::string()) == toString(NodeStatus::kSkipped)) continue;
      held[n["id"].get<std::string>()] = id;
    }
  }
  return held;
}

Status Deployments::releaseUnits(const Deployment& d, std::vector<Txn>& units) {
  for (const auto& n : d.nodes) {
    PHOTON_TRY(auto lock, store_.get(keys::deploymentLock(n.id)));
    if (!lock) continue;
    PHOTON_TRY(Json j, parseStored(*lock));
    if (j.value("deployment", "") == d.id) {
      units.push_back(Txn().expect(lock->key, lock->mod_revision).erase(lock->key));
    }
  }
  // Last: until it goes, every round comes back to this deployment and completes its end.
  units.push_back(Txn().erase(keys::runningDeployment(d.id)));
  return {};
}

Result<int64_t> Deployments::writeStep(StoredDeployment& before, Deployment& next,
                                       bool header_first, const StageDesired& desired) {
  static const std::string kHeader = "\n";  // no node id holds a newline
  std::vector<Txn> units;
  std::vector<std::string> unit_node;  // the node a unit moves, kHeader, or "" (release)
  auto addHeader = [&] {
    units.push_back(headerUnit(before, next));
    unit_node.push_back(kHeader);
  };
  if (header_first) addHeader();
  for (size_t i = 0; i < next.nodes.size(); ++i) {
    const NodeRollout& node = next.nodes[i];
    if (i < before.deployment.nodes.size() && node == before.deployment.nodes[i]) continue;
    Txn unit;
    if (desired) PHOTON_CHECK(desired(node.id, unit));
    Txn progress = progressUnit(before, node);
    unit.compares.insert(unit.compares.end(), progress.compares.begin(), progress.compares.end());
    unit.ops.insert(unit.ops.end(), progress.ops.begin(), progress.ops.end());
    units.push_back(std::move(unit));
    unit_node.push_back(node.id);
  }
  if (!header_first && headerMoved(before.deployment, next)) addHeader();
  if (isFinal(next.state)) {
    PHOTON_CHECK(releaseUnits(next, units));
    unit_node.resize(units.size());
  }
  auto noteCommitted = [&](size_t first, size_t last, int64_t revision) {
    for (size_t i = first; i < last; ++i) {
      if (unit_node[i] == kHeader) {
        before.header_revision = revision;
      } else if (!unit_node[i].empty()) {
        before.progress_revisions[unit_node[i]] = revision;
      }
    }
  };
  // The nodes' chunks of a wave may land in any order (deployment_store.h); a final step's
  // releases may not: a lock freed before its node's progress is written would let another
  // deployment take a node this record still moves.
  const size_t concurrency = isFinal(next.state) ? 1 : store_.concurrentCommits();
  PHOTON_TRY(int64_t revision,
             commitInChunks(store_, units, {keys::deployment(next.id), before.header_revision},
                            store_.maxTxnOps(), noteCommitted, concurrency));
  before.deployment = next;
  return revision;
}

Result<Deployment> Deployments::cancel(const std::string& id) {
  return withRetries<Deployment>([&] { return cancelOnce(id); });
}

Result<Deployment> Deployments::cancelOnce(const std::string& id) {
  PHOTON_TRY(auto loaded, readDeployment(store_, id));
  if (isFinal(loaded.deployment.state)) {
    return fail(
        ErrorCode::kConflict,
        "deployment " + id + " is already " + std::string(toString(loaded.deployment.state)),
        "state");
  }
  Deployment next = cancelDeployment(loaded.deployment, inventory_.clock().nowSeconds());
  PHOTON_CHECK(undrainAll(inventory_, next, cancelUndrains(loaded.deployment, next)));
  // The header goes first: once it says cancelled, the cancel is decided (the controller's
  // chunks compare it and stop), and what of the nodes and the release a failure leaves
  // unwritten the controller's round completes.
  const int64_t read_at = loaded.header_revision;
  auto written = writeStep(loaded, next, true, {});
  if (!written && loaded.header_revision == read_at) return std::unexpected(written.error());
  return next;
}

Result<StoredDeployment*> Deployments::loadKept(const std::string& id) {
  if (auto it = records_.find(id); it != records_.end()) {
    PHOTON_CHECK(refreshDeployment(store_, it->second));
    return &it->second;
  }
  PHOTON_TRY(auto loaded, readDeployment(store_, id));
  if (isFinal(loaded.deployment.state)) return &(records_[id] = std::move(loaded));
  // The locks a create cut short did not write (read fresh: at takeover, after a conflict).
  // Kept only once they are written: a record kept without them would be refreshed from then
  // on, and the refresh writes no locks.
  StoredDeployment& kept = loaded;
  std::vector<Txn> locks;
  for (const auto& n : kept.deployment.nodes) {
    if (n.status == NodeStatus::kSkipped) continue;
    PHOTON_TRY(int64_t locked, store_.modRevision(keys::deploymentLock(n.id)));
    if (locked != 0) continue;
    locks.push_back(Txn()
                        .expectAbsent(keys::deploymentLock(n.id))
                        .put(keys::deploymentLock(n.id), Json{{"deployment", id}}.dump()));
  }
  PHOTON_CHECK(commitInChunks(store_, locks, {keys::deployment(id), kept.header_revision},
                              store_.maxTxnOps()));
  return &(records_[id] = std::move(loaded));
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

Result<int> Deployments::forgetFinished(int64_t now, int64_t retention_s) {
  std::lock_guard lock(tick_mutex_);
  const std::string header_prefix = keys::kDeploymentsPrefix;
  const std::string progress_prefix = keys::kDeploymentProgressPrefix;
  PHOTON_TRY(auto headers, store_.revisions(header_prefix));
  PHOTON_TRY(auto running, store_.revisions(keys::kRunningDeploymentsPrefix));
  std::set<std::string> releasing;  // final, but the round has not released it yet
  for (const auto& kv : running) {
    releasing.insert(kv.key.substr(std::string(keys::kRunningDeploymentsPrefix).size()));
  }
  std::set<std::string> kept;
  std::map<std::string, HeaderSeen> seen;  // what this call read, for the next
  int forgotten = 0;
  for (const auto& header : headers) {
    std::string id = header.key.substr(header_prefix.size());
    kept.insert(id);
    if (releasing.contains(id)) continue;
    // A header carries its creation's node list (up to 10,000 ids): parsed again only when it
    // moved since the last call.
    HeaderSeen& h = seen[id];
    if (auto it = headers_seen_.find(id);
        it != headers_seen_.end() && it->second.mod_revision == header.mod_revision) {
      h = it->second;
    } else {
      PHOTON_TRY(auto stored, store_.get(header.key));
      if (!stored || stored->mod_revision != header.mod_revision) continue;  // moved: next call
      auto json = parseStored(*stored);
      auto d = json ? deploymentFromJson(*json) : std::unexpected(json.error());
      h.mod_revision = header.mod_revision;
      if (!d) {
        common::logWarning("deployments: " + id + " unreadable (" + d.error().message +
                           "), kept: remove it by hand if it must go");
        continue;
      }
      h.state = d->state;
      h.finished_at = d->finished_at;
    }
    if (!isFinal(h.state) || h.finished_at == 0 || now - h.finished_at < retention_s) continue;
    auto erased = store_.commit(Txn().expect(header.key, header.mod_revision).erase(header.key));
    if (!erased && isStoreConflict(erased.error())) continue;  // written meanwhile: next call
    if (!erased) return std::unexpected(erased.error());
    kept.erase(id);
    seen.erase(id);
    ++forgotten;
    common::logInfo("deployments: forgot " + id + ", " + std::string(toString(h.state)) + " " +
                    std::to_string((now - h.finished_at) / 3600) + " h ago");
  }
  headers_seen_ = std::move(seen);
  // Progress documents whose header is gone, one deployment at a time: each chunk checks that
  // the header is still absent.
  PHOTON_TRY(auto progress, store_.revisions(progress_prefix));
  std::map<std::string, std::vector<Txn>> orphans;
  for (const auto& doc : progress) {
    auto slash = doc.key.find('/', progress_prefix.size());
    if (slash == std::string::npos) continue;
    std::string id = doc.key.substr(progress_prefix.size(), slash - progress_prefix.size());
    if (!kept.contains(id)) orphans[id].push_back(Txn().erase(doc.key));
  }
  for (const auto& [id, units] : orphans) {
    auto removed = commitInChunks(store_, units, {keys::deployment(id), 0}, store_.maxTxnOps());
    // A header written meanwhile (a deployment created after the listing): its documents stay.
    if (!removed && isStoreConflict(removed.error())) continue;
    PHOTON_CHECK_CTX(removed, "remove " + id + "'s progress documents");
  }
  return forgotten;
}

Result<bool> Deployments::advanceOne(const std::string& id) {
  PHOTON_TRY(StoredDeployment * kept, loadKept(id));
  StoredDeployment& before = *kept;
  const int64_t now = inventory_.clock().nowSeconds();
  auto written = [&](Result<int64_t> result) -> Result<bool> {
    if (!result) {
      records_.erase(id);  // read again whole next round: a chunk may have been written
      return std::unexpected(result.error());
    }
    return true;
  };
  if (isFinal(before.deployment.state)) {
    // Its end was cut short: the cancel's nodes (again, idempotent) and the release.
    Deployment next = before.deployment;
    if (next.state == DeploymentState::kCancelled) cancelNodes(next, now);
    PHOTON_CHECK(undrainAll(inventory_, next, cancelUndrains(before.deployment, next)));
    return written(writeStep(before, next, false, {}));
  }
  std::map<std::string, NodeInput> seen;
  auto lookup = [&](const std::string& node_id) -> NodeInput {
    if (auto it = seen.find(node_id); it != seen.end()) return it->second;
    return seen[node_id] = nodeInput(node_id);
  };
  RolloutStep step = advance(before.deployment, lookup, now);
  if (!step.changed) return false;
  Deployment& next = step.next;
  for (const auto& node_id : step.drain) PHOTON_CHECK(moveDrain(inventory_, id, node_id, true));
  PHOTON_CHECK(undrainAll(inventory_, next, step.undrain));

  enum class Write { kStart, kRevert, kReboot, kRevertReboot };
  std::map<std::string, Write> writes;
  for (const auto& node_id : step.start) writes[node_id] = Write::kStart;
  for (const auto& node_id : step.reboot) writes[node_id] = Write::kReboot;
  for (const auto& node_id : step.revert) writes[node_id] = Write::kRevert;
  for (const auto& node_id : step.revert_reboot) writes[node_id] = Write::kRevertReboot;
  // A node's desired-document change goes in its own unit, with its progress.
  auto stageDesired = [&](const std::string& node_id, Txn& unit) -> Status {
    auto what = writes.find(node_id);
    if (what == writes.end()) return {};
    PHOTON_TRY(auto doc, inventory_.desired(node_id));
    NodeRollout& node = next.nodes[before.position.at(node_id)];
    if (what->second == Write::kStart) node.previous = doc.body.value("system", Json());
    // A null section removes it: a node that had none before the deployment gets none back.
    Json value = what->second == Write::kStart    ? desiredSection(next)
                 : what->second == Write::kReboot ? rebootSection(next)
                 : what->second == Write::kRevertReboot
                     ? revertRebootSection(next, node).value_or(Json())
                     : revertSection(next, node).value_or(Json());
    // Over the document `previous` was read from: the commit guards that very revision.
    inventory_.stageDesiredSection(unit, node_id, std::move(doc), "system", value);
    return {};
  };
  return written(writeStep(before, next, false, stageDesired));
}

}  // namespace photon::coordinator
