// Placement's side of the store: operators' service specs under services/<name>, placement's
// memory of each service under placement/<name>. The API's service calls and the controller's
// reads and writes go through here; every write is a transaction.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "coordinator/inventory/inventory.h"
#include "coordinator/placement/node_shapes.h"
#include "coordinator/placement/placement_state.h"
#include "coordinator/placement/service_spec.h"
#include "coordinator/placement/world.h"

namespace photon::coordinator::placement {

namespace keys {
inline constexpr const char* kServicesPrefix = "services/";
inline constexpr const char* kPlacementPrefix = "placement/";
inline std::string service(const std::string& name) {
  return kServicesPrefix + name;
}
inline std::string placement(const std::string& name) {
  return kPlacementPrefix + name;
}
}  // namespace keys

template <typename T>
struct Stored {
  T value;
  int64_t mod_revision = 0;  // 0: not stored
  std::string raw;           // the stored text, to tell "unchanged" without re-serialising
};

struct PutServiceResult {
  ServiceSpec spec;
  int64_t revision = 0;
  bool created = false;
  std::vector<std::string> warnings;
};

// A node as the scheduler sees it: labels, class, pool, capacity from its facts.
SchedulerNode schedulerNodeOf(const common::Node& node);

// services/<name> as stored: the spec, and "owner": "declaration" for a declared one.
std::string storedServiceText(const ServiceSpec& spec);
[[nodiscard]] Result<ServiceSpec> storedServiceFromJson(Json j, const std::string& name);
// Who changes a service: "declaration" (the cluster declaration: its services and core
// services) or "api" (photonctl service put).
std::string ownerOf(const ServiceSpec& spec);

class ServiceStore {
 public:
  // `store`: placement's handle on the store (services/, placement/ and the nodes' desired
  // sections), handed in by the coordinator's wiring; the inventory is asked about nodes only.
  ServiceStore(Inventory& inventory, Store& store)
      : inventory_(inventory), store_(store), shapes_(store) {}

  // The nodes' shape a written spec is checked against follows the change feed from now on
  // (the coordinator's change listener calls noteChanges); without it each write reads every node.
  void attachFeed() { shapes_.attachFeed(); }
  void noteChanges(const std::vector<std::string>& keys, bool everything) {
    shapes_.noteChanges(keys, everything);
  }

  // The API: validates, checks against the cluster and the nodes, stores.
  [[nodiscard]] Result<PutServiceResult> put(const std::string& name, const Json& body);
  [[nodiscard]] Result<int64_t> remove(const std::string& name);
  // Every service, operators' and core, with its placement status.
  [[nodiscard]] Result<Json> list();
  [[nodiscard]] Result<Json> show(const std::string& name);
  [[nodiscard]] Result<Json> allocations(const std::string& name);

  // The controller's reads.
  [[nodiscard]] Result<std::map<std::string, Stored<ServiceSpec>>> loadServices();
  [[nodiscard]] Result<std::map<std::string, Stored<PlacementState>>> loadStates();

  // Whether nothing placed runs on the node any more: no allocation there, its desired units
  // hold none of ours, and its agent has applied that desired revision.
  bool nothingRunsOn(const std::string& node_id);

  Inventory& inventory() { return inventory_; }
  Store& store() { return store_; }

 private:
  Result<std::optional<ServiceSpec>> findSpec(const std::string& name, bool& core);
  Json statusOf(const ServiceSpec& spec, const std::optional<PlacementState>& state);

  Inventory& inventory_;
  Store& store_;
  NodeShapes shapes_;
};

}  // namespace photon::coordinator::placement
