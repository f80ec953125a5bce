#include "coordinator/inventory/inventory.h"

#include <algorithm>
#include <set>

#include "common/error_context.h"
#include "coordinator/auth/tokens.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/inventory/node_history.h"
#include "coordinator/inventory/selector.h"

namespace photon::coordinator {

using common::ErrorCode;
using common::fail;

bool isStoreConflict(const common::Error& error) {
  return error.code == ErrorCode::kConflict && error.message == "changed concurrently";
}

Result<common::Json> parseStored(const KeyValue& kv) {
  auto j = common::Json::parse(kv.value, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return common::fail(common::ErrorCode::kInternal, "stored " + kv.key + " is corrupt");
  }
  return j;
}

Inventory::Inventory(Store& store, const common::Clock& clock, LivenessTracker& liveness,
                     InventoryOptions options)
    : options_(options), store_(store), clock_(clock), liveness_(liveness) {}

Result<std::optional<Inventory::LoadedNode>> Inventory::loadNode(const std::string& id) {
  PHOTON_TRY_CTX(auto kv, store_.get(keys::node(id)), "read node " + id);
  if (!kv) return std::optional<LoadedNode>{};
  Json j = Json::parse(kv->value, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInternal, "stored node " + id + " is corrupt");
  PHOTON_TRY(Node node, common::nodeFromJson(j));
  return std::optional<LoadedNode>{LoadedNode{std::move(node), kv->mod_revision}};
}

Result<Inventory::LoadedNode> Inventory::requireNode(const std::string& id) {
  PHOTON_TRY(auto loaded, loadNode(id));
  if (!loaded) return fail(ErrorCode::kNotFound, "no node " + id, "id");
  return std::move(*loaded);
}

Result<common::Cluster> Inventory::clusterOrEmpty() {
  auto applied = cluster();
  if (!applied && applied.error().code == ErrorCode::kNotFound) return common::Cluster{};
  return applied;
}

Result<common::Cluster> Inventory::cluster() {
  PHOTON_TRY_CTX(auto kv, store_.get(keys::kCluster), "read the cluster declaration");
  if (!kv) return fail(ErrorCode::kNotFound, "no cluster declaration applied yet");
  Json j = Json::parse(kv->value, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInternal, "stored cluster is corrupt");
  return common::clusterFromJson(j);
}

Result<int64_t> Inventory::putCluster(const common::Cluster& cluster) {
  Txn txn;
  txn.put(keys::kCluster, common::toJson(cluster).dump());
  return store_.commit(txn);
}

void Inventory::enterState(Node& node, NodeState state, const common::LifecycleSettings& s) {
  node.state = state;
  if (!isDrainState(state)) node.drained_by.clear();
  node.state_since = clock_.nowSeconds();
  auto seconds = deadlineSeconds(state, s);
  node.deadline = seconds ? node.state_since + *seconds : 0;
}

Status Inventory::recordTransition(Txn& txn, const Node& node, std::optional<NodeState> from,
                                   std::string cause) {
  if (from == node.state) return {};
  const common::NodeTransition entry{.at = node.state_since,
                                     .from = from,
                                     .to = node.state,
                                     .cause = std::move(cause),
                                     .error = node.last_error.substr(0, 512)};
  if (!from) {
    stageFirstTransition(txn, node.id, entry);
    return {};
  }
  return stageTransition(store_, txn, node.id, entry);
}

Result<std::vector<common::NodeTransition>> Inventory::history(const std::string& id) {
  PHOTON_CHECK(requireNode(id));
  return readNodeHistory(store_, id);
}

common::Liveness Inventory::liveness(const Node& node) {
  if (!agentExpected(node.state)) return common::Liveness::kNotExpected;
  int64_t ttl = common::LifecycleSettings{}.node_ttl_s;
  auto revision = store_.modRevision(keys::kCluster);
  std::lock_guard lock(ttl_mutex_);
  if (revision && *revision == ttl_revision_) {
    ttl = ttl_;
  } else {
    auto cluster = clusterOrEmpty();
    // Said once per declaration revision: liveness is asked per node, 10,000 times a round.
    if (!cluster && revision && *revision != ttl_failed_revision_) {
      ttl_failed_revision_ = *revision;
      common::ignoreError(cluster, "liveness: read the cluster's node TTL",
                          "nodes judged with the default TTL until the declaration reads");
    }
    if (cluster) ttl = cluster->settings.node_ttl_s;
    if (cluster && revision) {
      ttl_revision_ = *revision;
      ttl_ = ttl;
    }
  }
  return liveness_.missing(node.id, clock_.nowSeconds(), ttl) ? common::Liveness::kMissing
                                                              : common::Liveness::kAlive;
}

Result<NodeList> Inventory::listNodes(const NodeFilter& filter) {
  PHOTON_TRY(auto cluster, clusterOrEmpty());
  int64_t now = clock_.nowSeconds();
  const Selector selector{.pool = filter.pool, .labels = filter.labels};
  NodeList out;
  auto consider = [&](Node node) {
    if (filter.state && node.state != *filter.state) return;
    if (filter.missing && !(agentExpected(node.state) &&
                            liveness_.missing(node.id, now, cluster.settings.node_ttl_s))) {
      return;
    }
    if (!selector.matches(node)) return;
    out.nodes.push_back(std::move(node));
  };
  if (filter.ids) {
    out.revision = store_.revision();
    for (const auto& id : *filter.ids) {
      PHOTON_TRY(auto loaded, loadNode(id));
      if (loaded) consider(std::move(loaded->node));
    }
    return out;
  }
  PHOTON_TRY_CTX(auto range, store_.range(keys::kNodesPrefix), "list the nodes");
  out.revision = range.revision;
  for (const auto& kv : range.kvs) {
    Json j = Json::parse(kv.value, nullptr, false);
    if (j.is_discarded()) return fail(ErrorCode::kInternal, "stored " + kv.key + " is corrupt");
    PHOTON_TRY(Node node, common::nodeFromJson(j));
    consider(std::move(node));
  }
  return out;
}

Result<Node> Inventory::getNode(const std::string& id) {
  PHOTON_TRY(auto loaded, requireNode(id));
  return loaded.node;
}

Result<Node> Inventory::patchNode(const std::string& id, const Json& patch) {
  PHOTON_CHECK(common::requireObject(patch, ""));
  for (const auto& [key, value] : patch.items()) {
    if (key != "labels" && key != "class" && key != "pool" && key != "profile") {
      return common::invalid(key, "cannot be changed (labels, class, pool, profile can)");
    }
  }
  return withRetries<Node>([&]() -> Result<Node> {
    PHOTON_TRY(auto loaded, requireNode(id));
    PHOTON_TRY(auto cluster, clusterOrEmpty());
    Node& node = loaded.node;
    if (patch.contains("labels")) {
      if (!patch["labels"].is_object()) return common::invalid("labels", "must be an object");
      Json sets = Json::object();
      for (const auto& [k, v] : patch["labels"].items()) {
        if (v.is_null()) {
          node.labels.erase(k);
        } else {
          sets[k] = v;
        }
      }
      PHOTON_TRY(auto parsed, common::readLabels(Json{{"labels", sets}}, "labels", ""));
      for (auto& [k, v] : parsed) node.labels[k] = v;
    }
    if (patch.contains("class")) {
      PHOTON_TRY(node.class_name, common::readString(patch, "class", "", ""));
      if (!node.class_name.empty()) PHOTON_CHECK(common::checkName("class", node.class_name));
    }
    if (patch.contains("pool")) {
      PHOTON_TRY(std::string pool, common::readString(patch, "pool", "", ""));
      if (!pool.empty() && !cluster.findPool(pool)) {
        return common::invalid("pool", "unknown pool '" + pool + "'");
      }
      if (!node.address.empty() && pool != node.pool) {
        return fail(ErrorCode::kConflict,
                    "node already holds address " + node.address + " in pool " + node.pool +
                        "; reprovision or retire it first",
                    "pool");
      }
      node.pool = pool;
      if (const auto* p = cluster.findPool(pool)) {
        if (node.disk_layout.empty()) node.disk_layout = p->disk_layout;
      }
    }
    if (patch.contains("profile")) {
      PHOTON_TRY(node.profile, common::readString(patch, "profile", "", ""));
    }
    Txn txn;
    txn.expect(keys::node(id), loaded.mod_revision).put(keys::node(id), toJson(node).dump());
    PHOTON_CHECK(store_.commit(txn));
    return node;
  });
}

Result<Node> Inventory::act(const std::string& id, NodeAction action, std::string_view origin,
                            std::string_view owner, bool* changed) {
  const bool by_operator = owner == kOperatorDrain;
  bool moved = false;
  auto acted = withRetries<Node>([&]() -> Result<Node> {
    moved = false;
    PHOTON_TRY(auto loaded, requireNode(id));
    PHOTON_TRY(auto cluster, clusterOrEmpty());
    Node& node = loaded.node;
    if (!by_operator) {
      // Empty: drained before drains had owners, by the deployment that asks (it recorded so).
      const bool ours = node.drained_by == owner || node.drained_by.empty();
      if (action == NodeAction::kDrain && node.state != NodeState::kActive) return node;
      if (action == NodeAction::kUndrain && (!isDrainState(node.state) || !ours)) return node;
    } else if (action == NodeAction::kDrain && isDrainState(node.state) &&
               node.drained_by != kOperatorDrain) {
      node.drained_by = kOperatorDrain;                  // a deployment's drain, now the operator's
      PHOTON_CHECK(commitNode(loaded, node.state, ""));  // no state change: no history entry
      moved = true;
      return node;
    }
    PHOTON_TRY(NodeState next, nextState(node.state, action));
    if (action == NodeAction::kInstall && node.pool.empty()) {
      return fail(ErrorCode::kConflict,
                  "node has no pool to take an address from; set one with PATCH first", "pool");
    }
    Txn txn;
    txn.expect(keys::node(id), loaded.mod_revision);
    if (action == NodeAction::kRetire) PHOTON_CHECK(releaseNode(txn, node));
    // A machine being reinstalled or retired is no longer the node its certificate names: the
    // certificate stops working now (the edge checks this record on every call).
    if (action == NodeAction::kRetire || action == NodeAction::kReprovision) {
      txn.erase(keys::certificate(id));
    }
    if (receivesSecrets(node.state) && !receivesSecrets(next)) {
      // Whoever phones home as this node next (reprovision and rescue let the bootstrap token
      // do it) must not find the secrets the approved node had.
      PHOTON_CHECK(stageSecretsRemoval(txn, id));
    }
    stageDiscoveredIndex(txn, id, node.state, next);
    const NodeState from = node.state;
    enterState(node, next, cluster.settings);
    if (action == NodeAction::kDrain) node.drained_by = std::string(owner);
    node.last_error.clear();
    PHOTON_CHECK(recordTransition(txn, node, from,
                                  std::string(origin) + ": " + std::string(toString(action))));
    txn.put(keys::node(id), toJson(node).dump());
    PHOTON_CHECK(store_.commit(txn));
    moved = true;
    return node;
  });
  if (changed) *changed = moved;
  return acted;
}

Status Inventory::stageSecretsRemoval(Txn& txn, const std::string& id) {
  PHOTON_TRY(auto kv, store_.get(keys::desired(id)));
  if (!kv) return {};
  PHOTON_TRY(Json body, parseStored(*kv));
  bool removed = false;
  for (const char* section : kSecretSections) removed = body.erase(section) > 0 || removed;
  if (removed) txn.expect(kv->key, kv->mod_revision).put(kv->key, body.dump());
  return {};
}

Status Inventory::releaseNode(Txn& txn, const Node& node) {
  // The token first: a node whose token cannot be read is not retired (its index entry would
  // stay, and the retired node's token would still find it). Guarded, so that a token rotated
  // meanwhile (a phone-home) sends the retire round again rather than leave the new one indexed.
  PHOTON_TRY_CTX(auto hash, store_.get(keys::token(node.id)), "read node " + node.id + "'s token");
  txn.expect(keys::token(node.id), hash ? hash->mod_revision : 0);
  if (hash) txn.erase(keys::tokenIndex(hash->value));
  txn.erase(keys::token(node.id));
  // A retired machine's identity and address are free again: the same hardware can enroll
  // anew, and the record of the old node stays for history.
  txn.erase(keys::machineIndex(node.machine_id));
  for (const auto& nic : node.facts.nics) {
    if (!nic.mac.empty()) txn.erase(keys::macIndex(nic.mac));
  }
  if (!node.facts.dmi.serial.empty()) txn.erase(keys::serialIndex(node.facts.dmi.serial));
  if (!node.address.empty()) {
    txn.erase(keys::alloc(node.pool, node.address_index));
    std::lock_guard lock(alloc_hint_mutex_);
    auto& hint = alloc_hint_[node.pool];
    hint = std::min(hint, node.address_index);
  }
  return {};
}

bool Inventory::isNodeKey(std::string_view key) {
  return key.starts_with(keys::kNodesPrefix);
}

void Inventory::attachDeadlineFeed() {
  deadline_changes_.attach();
}

void Inventory::noteNodeChanges(const std::vector<std::string>& changed, bool everything) {
  deadline_changes_.note(changed, everything);
  const std::string token_prefix = keys::tokenIndex("");
  if (everything || std::any_of(changed.begin(), changed.end(), [&](const std::string& key) {
        return key.starts_with(token_prefix);
      })) {
    token_generation_.fetch_add(1, std::memory_order_acq_rel);
  }
}

std::optional<uint64_t> Inventory::tokenGeneration() const {
  if (!token_feed_attached_.load(std::memory_order_acquire)) return std::nullopt;
  return token_generation_.load(std::memory_order_acquire);
}

Result<Inventory::DeadlineEntry> Inventory::readDeadline(const std::string& key) {
  DeadlineEntry entry;
  PHOTON_TRY(auto kv, store_.get(key));
  if (!kv) return entry;  // mod_revision 0: gone
  entry.mod_revision = kv->mod_revision;
  Json j = Json::parse(kv->value, nullptr, false);
  if (auto node = j.is_discarded() ? std::nullopt : std::optional(common::nodeFromJson(j))) {
    if (const auto& parsed = *node) {
      entry.parsed = true;
      entry.state = parsed->state;
      entry.deadline = parsed->deadline;
    }
  }
  return entry;
}

Status Inventory::refreshDeadlines() {
  auto [fed, everything, dirty] = deadline_changes_.take();
  const bool full = everything || !fed;
  auto status = [&]() -> Status {
    if (!full) {
      // Only the nodes the change feed named.
      for (const auto& key : dirty) {
        PHOTON_TRY(auto entry, readDeadline(key));
        if (entry.mod_revision == 0) {
          deadlines_.erase(key);
        } else {
          deadlines_[key] = entry;
        }
        if (entry.timed()) {
          timed_.insert(key);
        } else {
          timed_.erase(key);
        }
      }
      return {};
    }
    PHOTON_TRY(auto listed, store_.revisions(keys::kNodesPrefix));
    std::unordered_map<std::string, DeadlineEntry> seen;
    seen.reserve(listed.size());
    for (auto& listed_key : listed) {
      auto cached = deadlines_.find(listed_key.key);
      if (cached != deadlines_.end() && cached->second.mod_revision == listed_key.mod_revision) {
        seen.emplace(std::move(listed_key.key), cached->second);
        continue;
      }
      PHOTON_TRY(auto entry, readDeadline(listed_key.key));
      if (entry.mod_revision != 0) seen.emplace(std::move(listed_key.key), entry);
    }
    deadlines_ = std::move(seen);  // forgotten nodes are forgotten here too
    timed_.clear();
    for (const auto& [key, entry] : deadlines_) {
      if (entry.timed()) timed_.insert(key);
    }
    return {};
  }();
  if (!status) deadline_changes_.invalidate();
  return status;
}

Result<int> Inventory::expireDeadlines() {
  std::lock_guard guard(deadlines_mutex_);
  PHOTON_CHECK_CTX(refreshDeadlines(), "read the nodes' lifecycle deadlines");
  std::optional<common::Cluster> cluster;  // read only when a node moves
  int64_t now = clock_.nowSeconds();
  int moved = 0;
  for (const auto& key : timed_) {
    const DeadlineEntry& entry = deadlines_.at(key);
    const std::string id = key.substr(std::string(keys::kNodesPrefix).size());
    bool drained = entry.state == NodeState::kDraining && drain_complete_(id);
    bool expired = entry.deadline != 0 && now > entry.deadline;
    if (!drained && !expired) continue;
    auto after = stateAfterDeadline(entry.state);
    if (!after) continue;
    // A node to move: read it whole, under the revision the decision was made on.
    PHOTON_TRY(auto kv, store_.get(key));
    if (!kv || kv->mod_revision != entry.mod_revision) continue;  // moved since: next round
    auto parsed = common::nodeFromJson(Json::parse(kv->value, nullptr, false));
    if (!parsed) {
      common::ignoreError(parsed, "lifecycle deadline: read node " + id,
                          "it stays in its state; the other nodes move");
      continue;
    }
    Node node = *parsed;
    if (!cluster) {
      PHOTON_TRY(cluster, clusterOrEmpty());
    }
    if (expired && !drained) {
      node.last_error = "deadline passed after " + std::to_string(now - node.state_since) +
                        "s in state " + std::string(common::toString(node.state));
    }
    const NodeState from = node.state;
    enterState(node, *after, cluster->settings);
    Txn txn;
    PHOTON_CHECK(recordTransition(txn, node, from, drained ? "drain complete" : "deadline"));
    txn.expect(kv->key, kv->mod_revision).put(kv->key, toJson(node).dump());
    auto committed = store_.commit(txn);
    if (committed) {
      ++moved;
    } else if (!isStoreConflict(committed.error())) {
      return std::unexpected(committed.error());
    }  // a concurrent change: the next sweep looks again
  }
  return moved;
}

std::optional<std::string> Inventory::nodeForTokenHash(const std::string& token_hash) {
  auto kv = store_.get(keys::tokenIndex(token_hash));
  if (!kv) return std::nullopt;
  const auto& found = *kv;
  if (!found) return std::nullopt;
  return found->value;
}

}  // namespace photon::coordinator
