// The placement controller: each round (on the leader only) brings its world (nodes, reports,
// services, placement's memory: placement_world.h) up to the store's changes, sets the nodes'
// liveness; plans the services something touched (failover, drain, scale, rolling update,
// auto_revert) and those still moving; asks the pure scheduler for nodes when a plan wants
// some; stores what changed; and rewrites the "units" and "bgp" sections of the nodes whose
// share changed. An idle round plans nothing and writes nothing.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "coordinator/control/controller.h"
#include "coordinator/inventory/liveness.h"
#include "coordinator/placement/node_sections.h"
#include "coordinator/placement/placement_world.h"
#include "coordinator/placement/reserved_capacity.h"
#include "coordinator/placement/service_store.h"
#include "coordinator/placement/world.h"

namespace photon::coordinator::placement {

struct PlacementOptions {
  // How long a node stays missing before its instances are placed elsewhere (the cluster
  // declaration's "placement": {"failover_grace_s"} overrides it).
  int64_t failover_grace_s = 60;
};

class PlacementController final : public Controller {
 public:
  // `reserved`: what other workloads hold on nodes (the coordinator's VmService, which the API
  // writes through and the store's changes feed); none when null.
  PlacementController(ServiceStore& services, LivenessTracker& liveness,
                      PlacementOptions options = {},
                      std::shared_ptr<ReservedCapacity> reserved = nullptr)
      : services_(services),
        reserved_(std::move(reserved)),
        liveness_(liveness),
        options_(options),
        world_(services.store()) {}

  std::string name() const override { return "placement"; }
  void tick() override;
  // A new leader reads the whole world again: it may have missed what the last one wrote.
  void leadershipGained() override;

  // The store's change feed (the coordinator's change listener): from attachFeed() on, rounds
  // re-read only the keys it names.
  void attachFeed() { world_.attachFeed(); }
  void noteChanges(const std::vector<std::string>& keys, bool everything) {
    world_.noteChanges(keys, everything);
  }

  // The drain-complete hook (Inventory::setDrainCompleteCheck).
  bool drainComplete(const std::string& node_id) { return services_.nothingRunsOn(node_id); }

  // Services planned in the last round (for benches and tests: an idle round plans none).
  size_t lastPlanned() const { return last_planned_; }
  // Nodes whose liveness the last round looked at (an idle round: none).
  size_t lastLivenessChecks() const { return last_liveness_checks_; }

 private:
  struct Written {
    std::string signature;         // of what this coordinator last wrote (or found) there
    int64_t desired_revision = 0;  // the desired document's mod_revision then
  };
  common::Status round();
  // Sets the nodes' liveness for this round; returns the nodes whose liveness moved. Every node
  // when `all`, else only where it can have moved (see liveness_due_).
  std::set<std::string> refreshLiveness(World& world, int64_t ttl,
                                        const std::set<std::string>& changed_nodes, bool all);
  void refreshNodeLiveness(const std::string& id, NodeView& v, int64_t now, int64_t ttl,
                           std::set<std::string>& moved);
  void forgetLiveness(const std::string& id);
  // The nodes whose desired document someone else changed since this coordinator wrote it.
  common::Result<std::set<std::string>> editedDesired(const std::set<std::string>& changed);
  common::Status writeNodeSections(const std::set<std::string>* only);

  ServiceStore& services_;
  std::shared_ptr<ReservedCapacity> reserved_;
  LivenessTracker& liveness_;
  PlacementOptions options_;
  std::mutex mutex_;      // one round at a time (the control thread and sweepOnce() in tests)
  PlacementWorld world_;  // under mutex_
  // Everything is read again at most this far apart, a safety net under the change feed.
  static constexpr int64_t kFullReadSeconds = 300;
  std::optional<int64_t> full_read_at_;
  // Services planned every round until a plan changes nothing and waits on no clock: a rollout
  // in progress, slots unplaced, instances on a node that is missing.
  std::set<std::string> unsettled_;
  std::map<std::string, Written> written_;  // by node id
  // An idle round looks at no node: liveness is checked again only for the nodes the feed
  // named, the missing ones (they may poll again any time) and the alive ones whose last poll
  // known is now a TTL old. A last poll only moves forward (a poll, another coordinator's
  // batch, the grace floor), so an alive node stays alive at least until then; a takeover or
  // a full read checks every node.
  std::set<std::pair<int64_t, std::string>> liveness_due_;  // (second it may be missing, id)
  std::unordered_map<std::string, int64_t> due_of_;
  std::set<std::string> missing_;   // an agent expected, and not alive
  std::set<std::string> draining_;  // in state draining
  int64_t liveness_ttl_ = -1;       // the TTL the due seconds were computed with
  size_t last_planned_ = 0;
  size_t last_liveness_checks_ = 0;
};

}  // namespace photon::coordinator::placement
