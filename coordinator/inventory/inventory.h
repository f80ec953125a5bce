// The inventory: every machine, its facts and its lifecycle state, kept in the Store. Every
// change is one transaction guarded by the revisions it read, retried when another writer got
// there first, so concurrent phone-homes and operator actions never lose each other's writes.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/api/cluster.h"
#include "common/api/node.h"
#include "common/api/node_history.h"
#include "common/api/observed.h"
#include "common/clock.h"
#include "coordinator/inventory/lifecycle.h"
#include "coordinator/inventory/liveness.h"
#include "coordinator/store/changed_keys.h"
#include "coordinator/store/group_commit.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

bool isStoreConflict(const common::Error& error);
// A stored value as the JSON object it must be; a kInternal error naming the key otherwise.
Result<common::Json> parseStored(const KeyValue& kv);

// Runs `attempt` until it commits without a concurrent change, a few times at most.
template <typename T>
Result<T> withRetries(const std::function<Result<T>()>& attempt) {
  constexpr int kAttempts = 8;
  for (int i = 1;; ++i) {
    auto result = attempt();
    if (result || !isStoreConflict(result.error()) || i == kAttempts) return result;
  }
}

using common::Json;
using common::Node;
using common::Status;

struct PhoneHomeResult {
  Node node;
  std::string token;  // the node's new credential: only its hash is stored
  std::optional<common::InstallPlan> install_plan;
};

struct PhoneHomeProof {
  // A bearer token the caller presented that is not the bootstrap token (a node's own).
  std::optional<std::string> node_token;
  // The node id (CN) of a client certificate the edge verified against the cluster CA.
  std::optional<std::string> certified_node;
  bool empty() const { return !node_token && !certified_node; }
};

struct NodeFilter {
  std::optional<NodeState> state;
  bool missing = false;  // "?state=missing": liveness, not a lifecycle state
  std::string pool;
  std::map<std::string, std::string> labels;
  // Only these nodes (ids with no node are left out): read one by one, not the whole fleet.
  std::optional<std::set<std::string>> ids;
};

struct NodeList {
  std::vector<Node> nodes;
  int64_t revision = 0;
};

struct Document {
  Json body;
  int64_t revision = 0;  // the key's mod_revision; 0 when nothing was stored yet
};

struct InventoryOptions {
  // New machines that may wait in `discovered` at once (they came with the bootstrap token,
  // which anyone holding the ISO has): past it a phone-home from a new machine is a 429 until
  // an operator approves or retires some. 0: no limit.
  int64_t max_discovered = 1024;
};

// What enrolment holds, for /metrics: the discovered nodes against their cap, the phone-homes
// the cap refused (since this coordinator started), and per pool the addresses handed out.
struct EnrolmentStats {
  int64_t discovered = 0;
  int64_t max_discovered = 0;
  int64_t refused_by_cap = 0;
  struct PoolUse {
    std::string pool;
    int64_t allocated = 0;
    int64_t size = 0;
  };
  std::vector<PoolUse> pools;
};

class Inventory {
 public:
  Inventory(Store& store, const common::Clock& clock, LivenessTracker& liveness,
            InventoryOptions options = {});
  // Set once at start-up, before requests arrive (the flag's value).
  void setOptions(const InventoryOptions& options) { options_ = options; }
  [[nodiscard]] Result<EnrolmentStats> enrolmentStats();

  // `proof`: what the caller showed beyond the bootstrap token, which lets a machine phone home
  // again as the node it is (identity_claim.h). Empty for a bootstrap-token-only caller.
  [[nodiscard]] Result<PhoneHomeResult> phoneHome(const common::PhoneHomeRequest& request,
                                                  const PhoneHomeProof& proof = {});

  [[nodiscard]] Result<NodeList> listNodes(const NodeFilter& filter);
  [[nodiscard]] Result<Node> getNode(const std::string& id);
  // Operator edits: labels (merged; a null value removes), class, pool, profile.
  [[nodiscard]] Result<Node> patchNode(const std::string& id, const Json& patch);
  // The operator's action (`origin` says who asked, in the node's history). A drain of a node
  // that a deployment drained takes that drain over (200, state unchanged): the deployment then
  // leaves the node drained.
  // `owner`: whose drain a drain or undrain is. Another owner than the operator (a deployment,
  // drainFor) drains only an active node and undrains only its own drain; any other node it
  // leaves alone. `changed`, when given, says whether the node moved.
  [[nodiscard]] Result<Node> act(const std::string& id, NodeAction action,
                                 std::string_view origin = "operator",
                                 std::string_view owner = kOperatorDrain, bool* changed = nullptr);
  // The node's last state changes, oldest first (node_history.h).
  [[nodiscard]] Result<std::vector<common::NodeTransition>> history(const std::string& id);
  // A deployment's drain for a reboot, held as `owner` ("deployment d-N"): drains an active
  // node (true); a node already draining or drained is someone else's (false, left alone).
  [[nodiscard]] Result<bool> drainFor(const std::string& id, const std::string& owner);
  // Undrains the node only while `owner`'s drain holds it (true); an operator's drain, taken
  // over or issued since, keeps it drained (false).
  [[nodiscard]] Result<bool> undrainFor(const std::string& id, const std::string& owner);
  // Moves nodes stuck past their deadline to the failure state; returns how many moved.
  [[nodiscard]] Result<int> expireDeadlines();
  // The store's change feed for the deadline sweep: from attachDeadlineFeed() on, a sweep
  // re-reads only the nodes noteNodeChanges() named (and everything after `everything`)
  // instead of listing every node.
  void attachDeadlineFeed();
  void noteNodeChanges(const std::vector<std::string>& keys, bool everything);

  [[nodiscard]] Result<common::Cluster> cluster();
  // The applied declaration, or an empty one (no classes, pools, services; default settings)
  // before any: what every reader that works without a declaration uses.
  [[nodiscard]] Result<common::Cluster> clusterOrEmpty();
  [[nodiscard]] Result<int64_t> putCluster(const common::Cluster& cluster);

  // The node a token (by its SHA-256) was issued to, if any.
  std::optional<std::string> nodeForTokenHash(const std::string& token_hash);
  // Moves whenever a token's index entry changes (issued, rotated, revoked) or the store
  // reloads, so that whoever remembers which node a token names knows when to look again.
  // nullopt until attachTokenFeed(): without the change feed a revocation would go unseen.
  std::optional<uint64_t> tokenGeneration() const;
  // From now on noteNodeChanges() sees every change (the coordinator's store listener).
  void attachTokenFeed() { token_feed_attached_ = true; }
  // alive or missing; kNotExpected in a state without an agent to poll.
  common::Liveness liveness(const Node& node);

  // The desired document as stored: what the control loops read and rewrite a section of.
  [[nodiscard]] Result<Document> desired(const std::string& id);
  // The document as the agent gets it: the stored one with its "vms" section assembled from
  // the VMs' own entries (keys::desiredVm) when the stored one marks it so ("vms": []). Every
  // VM change moves the stored document too, so its revision stays the ETag and the long-poll's
  // key.
  [[nodiscard]] Result<Document> servedDesired(const std::string& id);
  // The desired document's revision alone: the agents' 304 path parses nothing.
  [[nodiscard]] Result<int64_t> desiredRevision(const std::string& id);
  // Replaces one section of a node's desired document ("system", "units", "bgp", ...).
  [[nodiscard]] Result<int64_t> setDesiredSection(const std::string& id, const std::string& section,
                                                  const Json& value);
  // The same change added to `txn` (a compare on the desired document and its new value), for a
  // caller that writes other keys in the same transaction. A null value removes the section.
  // Returns the desired document's mod_revision the compare holds it to (0: absent).
  [[nodiscard]] Result<int64_t> stageDesiredSection(Txn& txn, const std::string& id,
                                                    const std::string& section, const Json& value);
  // The same over `current`, the document as desired() read it, the compare held to its
  // revision: for a caller that read the document to decide what to write, so that it is read
  // (and parsed) once.
  void stageDesiredSection(Txn& txn, const std::string& id, Document current,
                           const std::string& section, const Json& value);
  [[nodiscard]] Result<Document> observed(const std::string& id);
  // Stores the agent's report; an "install" phase in it moves the lifecycle.
  [[nodiscard]] Result<int64_t> putObserved(const std::string& id, const Json& observed);

  // Asked before a draining node counts as drained (placement answers it; until a service is
  // placed there is nothing to move).
  void setDrainCompleteCheck(std::function<bool(const std::string&)> check) {
    drain_complete_ = std::move(check);
  }

  const common::Clock& clock() const { return clock_; }

 private:
  struct LoadedNode {
    Node node;
    int64_t mod_revision = 0;
  };
  Result<std::optional<LoadedNode>> loadNode(const std::string& id);
  Result<LoadedNode> requireNode(const std::string& id);
  // Writes `node` back in one transaction guarded by the revision it was loaded at, with the
  // history entry of its move from `from` (none when the state did not change).
  Status commitNode(const LoadedNode& loaded, NodeState from, std::string cause);
  void enterState(Node& node, NodeState state, const common::LifecycleSettings& settings);
  // Stages in `txn` the history entry of `node` having entered its current state from `from`
  // (none: a new node); nothing when the state did not change.
  Status recordTransition(Txn& txn, const Node& node, std::optional<NodeState> from,
                          std::string cause);

  // Reads and decides; what it would write goes into `txn` (phoneHome() commits it).
  Result<PhoneHomeResult> phoneHomeOnce(const common::PhoneHomeRequest& request,
                                        const PhoneHomeProof& proof, Txn& txn);
  // Refuses (409) a phone-home that may not take over `node`'s identity (identity_claim.h).
  Status checkClaim(Txn& txn, const Node& node, const PhoneHomeProof& proof);
  Status addIdentityIndexes(Txn& txn, const Node& node, const Node* previous);
  Result<common::InstallPlan> ensureAllocation(Txn& txn, Node& node,
                                               const common::Cluster& cluster);
  // Stages the release of a retired node's identity, address and token; fails when its token
  // cannot be read.
  Status releaseNode(Txn& txn, const Node& node);
  // The desired sections that carry secrets, removed when a node stops being entitled to them.
  static constexpr const char* kSecretSections[] = {"bgp"};
  Status stageSecretsRemoval(Txn& txn, const std::string& id);
  // Keeps the index of discovered nodes in step with a state change in `txn`.
  static void stageDiscoveredIndex(Txn& txn, const std::string& id, std::optional<NodeState> from,
                                   NodeState to);
  // A 429 when one more discovered node would pass options_.max_discovered.
  Status checkDiscoveredCap();

  // Phone-homes decide one at a time within this coordinator: they contend for the same lowest
  // free address, and retrying a conflict costs more than waiting. (Across coordinators the
  // store's compares still decide.) They commit together: see phone_home_commits_.
  std::mutex phone_home_mutex_;
  // Per pool, the index below which every address is known to be taken, so that allocation does
  // not rescan the pool each time. Lowered when this coordinator frees an address.
  std::mutex alloc_hint_mutex_;
  std::map<std::string, int64_t> alloc_hint_;

  // What the deadline sweep needs of each node, parsed once per change of its document: the
  // sweep runs every control round, and parsing 10,000 nodes each time cost more than a round.
  struct DeadlineEntry {
    int64_t mod_revision = 0;
    bool parsed = false;
    NodeState state = NodeState::kDiscovered;
    int64_t deadline = 0;
    // Whether a sweep may act on it: a deadline, or a drain that may be complete.
    bool timed() const { return parsed && (deadline != 0 || state == NodeState::kDraining); }
  };
  Result<DeadlineEntry> readDeadline(const std::string& key);
  Status refreshDeadlines();
  std::mutex deadlines_mutex_;
  std::unordered_map<std::string, DeadlineEntry> deadlines_;  // by node key
  // The keys of the timed() entries: what a sweep walks (at 10,000 nodes, a handful).
  std::set<std::string> timed_;
  static bool isNodeKey(std::string_view key);
  ChangedKeys deadline_changes_{&Inventory::isNodeKey};
  // The declaration's node TTL and the cluster revision it was read at: liveness() is asked
  // per node (a deployment's wave asks hundreds of times a round) and parsed the cluster each.
  std::mutex ttl_mutex_;
  int64_t ttl_revision_ = -1;
  int64_t ttl_ = 0;
  int64_t ttl_failed_revision_ = -1;  // the declaration revision whose TTL did not read

  InventoryOptions options_;
  std::atomic<int64_t> refused_by_cap_{0};
  std::atomic<bool> token_feed_attached_{false};
  std::atomic<uint64_t> token_generation_{0};
  Store& store_;
  const common::Clock& clock_;
  LivenessTracker& liveness_;
  // Enrolments that decided while another's write was under way share the next store write
  // (on etcd a quorum round trip each was the enrolment rate). What they hold counts as taken
  // for the next ones' decisions: addresses, the discovered cap, any key they compare.
  GroupCommit phone_home_commits_{store_};
  std::function<bool(const std::string&)> drain_complete_ = [](const std::string&) { return true; };
};

}  // namespace photon::coordinator
