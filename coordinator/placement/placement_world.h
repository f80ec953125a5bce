// Placement's world kept in memory: the cluster declaration, every node as placement sees it,
// what each agent last reported about its units, the services' specs and placement's memory of
// each, and which services hold something on each node. Fed by the store's change feed (the
// coordinator's change listener names the keys), a sync re-reads only those keys and says what
// moved, so that a control round does work proportional to what changed. Without a feed (a
// controller made alone, as tests do) every sync compares the store's revisions with the ones
// kept, which finds the same changes at the cost of listing the keys.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/api/cluster.h"
#include "coordinator/placement/service_store.h"
#include "coordinator/placement/world.h"
#include "coordinator/store/changed_keys.h"
#include "coordinator/store/store.h"

namespace photon::coordinator::placement {

// What one sync found changed (names and node ids).
struct WorldChanges {
  bool everything = false;  // a full read: the first, after invalidate(), or the feed said so
  bool cluster = false;
  std::set<std::string> services;  // spec or placement memory changed, appeared or went
  std::set<std::string> nodes;     // the node's document changed, appeared or went
  std::set<std::string> observed;  // the node's reported units changed
  std::set<std::string> desired;   // the node's desired document changed (whoever wrote it)
};

class PlacementWorld {
 public:
  explicit PlacementWorld(Store& store) : store_(store) {}

  // From now on syncs trust noteChanges() to name every key that changes.
  void attachFeed();
  // The change listener's part (Store::ChangeListener): cheap, it only remembers the keys.
  void noteChanges(const std::vector<std::string>& keys, bool everything);
  // The next sync reads everything (a takeover, the slow safety timer, a failed write).
  void invalidate();

  // Brings the world up to the store. On an error the next sync reads everything.
  [[nodiscard]] common::Result<WorldChanges> sync();

  // Placement wrote `state` itself as `raw` at `revision` (and the spec, after a revert).
  void stored(const std::string& name, PlacementState state, std::string raw, int64_t revision);
  void storedSpec(const std::string& name, ServiceSpec spec, int64_t revision);
  void forgetState(const std::string& name);

  // The world's nodes (liveness fields are the controller's to set) and observations.
  World& world() { return world_; }
  const common::Cluster& cluster() const { return cluster_; }
  const std::vector<ServiceSpec>& coreServices() const { return core_.services; }
  const std::vector<common::Error>& coreErrors() const { return core_.errors; }
  const std::map<std::string, Stored<ServiceSpec>>& specs() const { return specs_; }
  const std::map<std::string, Stored<PlacementState>>& states() const { return states_; }
  // Services with an allocation (lost ones included) on the node.
  const std::set<std::string>& servicesOn(const std::string& node_id) const;
  // The capacity the stored placements hold on each node (allocations not lost, at their
  // revision's resources; a placement without a spec holds nothing), and one service's share of
  // it. Kept as states, specs and the declaration move, so that a round that schedules a few
  // instances starts from these totals instead of listing every allocation.
  const std::map<std::string, Resources>& held() const { return held_; }
  const std::map<std::string, Resources>* heldBy(const std::string& name) const;

  // Everything the world holds apart from liveness, as text: equal worlds, equal text (the
  // property test compares a fed world with one read whole).
  std::string describe() const;

 private:
  struct Revisions {
    int64_t node = 0;
    int64_t observed = 0;
  };
  common::Status fullRead(WorldChanges& changes);
  common::Status readCluster(WorldChanges& changes);
  common::Status readNode(const std::string& id, WorldChanges& changes);
  common::Status readObserved(const std::string& id, WorldChanges& changes);
  common::Status readService(const std::string& name, WorldChanges& changes);
  common::Status readState(const std::string& name, WorldChanges& changes);
  common::Status readKey(const std::string& key, WorldChanges& changes);
  void index(const std::string& name, const PlacementState* before, const PlacementState* after);
  // Works out again what `name` holds (its spec or its placement moved).
  void recount(const std::string& name);

  Store& store_;
  static bool wanted(std::string_view key);  // a key the world is made of
  ChangedKeys changed_{&PlacementWorld::wanted};

  int64_t cluster_revision_ = -1;
  common::Cluster cluster_;
  CoreServices core_;
  World world_;
  std::map<std::string, Revisions> revisions_;  // by node id: of nodes/<id> and observed/<id>
  std::map<std::string, Stored<ServiceSpec>> specs_;
  std::map<std::string, Stored<PlacementState>> states_;
  std::map<std::string, std::set<std::string>> services_on_;         // node id -> service names
  std::map<std::string, std::map<std::string, Resources>> held_by_;  // service -> node -> held
  std::map<std::string, Resources> held_;                            // node -> held, all services
};

}  // namespace photon::coordinator::placement
