// A service as the operator declares it (PUT /api/v1/services/{name}) or the cluster document
// pins it (core_services): how many instances, where they may run, what they need, how updates
// roll, and the units instance every replica runs. Parsing is pure and names the field.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/api/cluster.h"
#include "common/json_fields.h"
#include "coordinator/placement/scheduler.h"

namespace photon::coordinator::placement {

using common::Json;
using common::Result;

// Instance names are "<service>-<n>" and must stay a valid 63-character name.
constexpr size_t kMaxServiceName = 48;
constexpr int64_t kMaxReplicas = 10000;

struct UpdatePolicy {
  int64_t max_parallel = 1;
  int64_t min_healthy_s = 10;
  bool auto_revert = true;
};

struct ServiceSpec {
  std::string name;
  int64_t replicas = 0;
  bool global = false;
  Selector selector;
  Resources resources;
  std::string spread_label;
  bool distinct_hosts = false;
  UpdatePolicy update;
  // The units instance every replica runs, without name/service/revision/resources (placement
  // sets those). Null for a core service that only reserves capacity (run by NixOS itself).
  Json instance;
  // Core services: declared node names (matched to a node's "photon.io/node" label, else its
  // hostname); never moved.
  std::vector<std::string> pinned;
  // Written by the cluster declaration's "services" (cluster apply), not through the API: each
  // side changes only its own (declared_services.h).
  bool declared = false;

  bool core() const { return !pinned.empty(); }
};

// The "owner" field of a stored service (services/<name>): absent for the API's, this for the
// cluster declaration's.
inline constexpr const char* kOwnerField = "owner";
inline constexpr const char* kDeclarationOwner = "declaration";

// The operator's document; `name` comes from the path.
[[nodiscard]] Result<ServiceSpec> serviceFromJson(const Json& j, const std::string& name);
// One element of the cluster document's "core_services" ({"name", "nodes", "resources"?,
// "instance"?}); `path` like "core_services[1]".
[[nodiscard]] Result<ServiceSpec> coreServiceFromJson(const Json& j, const std::string& path);
Json toJson(const ServiceSpec& spec);

// What an instance of this spec runs, as a short stable digest: it changes exactly when a
// running instance must be replaced (the instance template or its resources).
std::string instanceRevision(const ServiceSpec& spec);

// The core services of a cluster declaration; bad entries are returned as errors beside the good
// ones so that one typo does not unpin the rest.
struct CoreServices {
  std::vector<ServiceSpec> services;
  std::vector<common::Error> errors;
};
CoreServices coreServicesOf(const common::Cluster& cluster);

// Checks of a spec against the cluster as it is now: a class or pool the declaration does not
// know is an error; a selector label no node carries is a warning (it may come later).
struct SpecCheck {
  std::vector<std::string> warnings;
};
// What a spec is checked against of the nodes: the largest in each dimension and the label keys
// some node carries.
struct FleetShape {
  // The largest of the nodes whose capacity is known (a node that reports neither cores nor
  // memory is left out), in each dimension.
  int64_t max_cpu_millis = 0;
  int64_t max_memory_bytes = 0;
  bool any_capacity = false;  // some node has a capacity to compare with
  std::set<std::string> label_keys;

  static FleetShape of(const std::vector<SchedulerNode>& nodes);
  // Whether a node with these figures has a capacity to compare with (one reporting neither
  // cores nor memory yet does not).
  static bool capacityKnown(int64_t cpu_millis, int64_t memory_bytes) {
    return cpu_millis > 0 || memory_bytes > 0;
  }
};

[[nodiscard]] Result<SpecCheck> checkAgainstCluster(const ServiceSpec& spec,
                                                    const common::Cluster& cluster,
                                                    const FleetShape& nodes);

}  // namespace photon::coordinator::placement
