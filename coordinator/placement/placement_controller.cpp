#include "coordinator/placement/placement_controller.h"

#include <set>

#include "common/log.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/inventory/lifecycle.h"
#include "coordinator/placement/placement_round.h"
#include "coordinator/vms/vm_service.h"

namespace photon::coordinator::placement {
namespace {
using common::NodeState;

int64_t graceFrom(const common::Cluster& cluster, int64_t fallback) {
  auto p = cluster.extra.find("placement");
  if (p == cluster.extra.end() || !p->is_object()) return fallback;
  auto g = p->find("failover_grace_s");
  if (g == p->end() || !g->is_number_integer()) return fallback;
  return std::clamp<int64_t>(g->get<int64_t>(), 0, 7 * 24 * 3600);
}

struct ServiceWork {
  ServiceSpec spec;
  int64_t spec_revision = 0;  // mod_revision of services/<name>; 0 for a core service
  bool core = false;
  Stored<PlacementState> stored;
  std::optional<Json> reverted_spec;
  ServiceRound round;
};
}  // namespace

void PlacementController::tick() {
  std::lock_guard lock(mutex_);
  if (++rounds_since_recheck_ >= kRecheckRounds) {
    rounds_since_recheck_ = 0;
    written_.clear();
  }
  auto status = round();
  if (!status) common::logWarning("placement: " + status.error().message + ", retrying next round");
}

common::Status PlacementController::refreshNodes() {
  Store& store = services_.inventory().store();
  PHOTON_TRY(auto listed, store.revisions(coordinator::keys::kNodesPrefix));
  std::unordered_map<std::string, CachedNode> fresh;
  fresh.reserve(listed.size());
  for (auto& key : listed) {
    if (auto it = nodes_.find(key.key); it != nodes_.end() && it->second.mod_revision == key.mod_revision) {
      fresh.emplace(std::move(key.key), std::move(it->second));
      continue;
    }
    PHOTON_TRY(auto kv, store.get(key.key));
    if (!kv) continue;
    CachedNode cached{kv->mod_revision, std::nullopt};
    Json j = Json::parse(kv->value, nullptr, false);
    if (j.is_discarded()) {
      return common::fail(common::ErrorCode::kInternal, "stored " + kv->key + " is corrupt");
    }
    PHOTON_TRY(common::Node n, common::nodeFromJson(j));
    if (n.state != NodeState::kRetired) {
      NodeView v;
      v.sched = schedulerNodeOf(n);
      v.state = n.state;
      if (auto it = n.labels.find("photon.io/node"); it != n.labels.end()) v.declared_name = it->second;
      v.hostname = n.hostname;
      cached.view = std::move(v);
    }
    fresh.emplace(std::move(key.key), std::move(cached));
  }
  nodes_ = std::move(fresh);  // deleted nodes are forgotten here too
  return {};
}

common::Status PlacementController::round() {
  Inventory& inventory = services_.inventory();
  PHOTON_TRY(auto cluster, inventory.clusterOrEmpty());
  PHOTON_CHECK(refreshNodes());
  World world;
  world.now = inventory.clock().nowSeconds();
  world.failover_grace_s = graceFrom(cluster, options_.failover_grace_s);
  const int64_t ttl = cluster.settings.node_ttl_s;
  for (const auto& [key, cached] : nodes_) {
    if (!cached.view) continue;
    NodeView v = *cached.view;
    const std::string& id = v.sched.id;
    if (agentExpected(v.state)) {
      int64_t past = world.now - liveness_.lastSeen(id) - ttl;
      v.alive = past <= 0;
      v.missing_for = v.alive ? 0 : past;
    }
    v.sched.schedulable = v.state == NodeState::kActive && v.alive;
    world.nodes[id] = std::move(v);
  }

  // VMs hold their memory (and a core per vCPU) on their nodes: one reservation per node.
  PHOTON_TRY(auto vm_totals, vms_->totals());
  for (const auto& [node, t] : vm_totals) {
    world.reserved.push_back({"vm:", node, {t.cpus * 1000, t.memory_mib << 20}});
  }

  // Services: the operators' and the declaration's core services (a core service wins a name).
  PHOTON_TRY(auto stored_specs, services_.loadServices());
  PHOTON_TRY(auto states, services_.loadStates());
  std::map<std::string, ServiceWork> work;
  auto core = coreServicesOf(cluster);
  for (const auto& e : core.errors) {
    common::logWarning("placement: cluster " + e.field + ": " + e.message + ", ignoring");
  }
  for (auto& spec : core.services) {
    std::string name = spec.name;
    work[name] = ServiceWork{std::move(spec), 0, true, {}, {}, {}};
  }
  for (auto& [name, stored] : stored_specs) {
    if (work.contains(name)) {
      common::logWarning("placement: service " + name + " is also a core service, ignoring it");
      continue;
    }
    work[name] = ServiceWork{std::move(stored.value), stored.mod_revision, false, {}, {}, {}};
  }
  for (auto& [name, w] : work) {
    if (auto it = states.find(name); it != states.end()) w.stored = it->second;
    w.stored.value.service = name;
  }

  // What the agents report, for the nodes that hold something of ours.
  std::set<std::string> hosting;
  for (const auto& [name, w] : work) {
    for (const auto& a : w.stored.value.allocations) {
      hosting.insert(a.node);
      if (!w.core && !a.lost) world.nodes_with_movable.insert(a.node);
    }
  }
  for (const auto& id : hosting) {
    if (!world.nodes.contains(id)) continue;
    auto observed = inventory.observed(id);
    if (observed) world.observed[id] = parseObservedUnits(observed->body);
  }

  // Plan every service, then schedule all their demands together.
  std::vector<ServiceInput> inputs;
  for (auto& [name, w] : work) inputs.push_back({w.spec, w.stored.value});
  auto outputs = placeAll(std::move(inputs), world);
  size_t next = 0;
  for (auto& [name, w] : work) {
    ServiceOutput& o = outputs[next++];
    if (o.reverted_spec) {
      common::logNotice("placement: service " + name + " reverted to revision " +
                        o.round.state.last_healthy_revision + ": " +
                        o.round.state.revert_reason);
    }
    w.spec = std::move(o.spec);
    w.round = std::move(o.round);
    w.reverted_spec = std::move(o.reverted_spec);
  }

  // Store what changed; a conflict (another writer) leaves this round's node sections unwritten.
  bool all_stored = true;
  Store& store = inventory.store();
  for (auto& [name, w] : work) {
    std::string next = toJson(w.round.state).dump();
    if (w.stored.mod_revision != 0 && next == w.stored.raw && !w.reverted_spec) continue;
    Txn txn;
    if (w.stored.mod_revision != 0) {
      txn.expect(keys::placement(name), w.stored.mod_revision);
    } else {
      txn.expectAbsent(keys::placement(name));
    }
    txn.put(keys::placement(name), next);
    if (!w.core) txn.expect(keys::service(name), w.spec_revision);
    if (w.reverted_spec) txn.put(keys::service(name), w.reverted_spec->dump());
    auto committed = store.commit(txn);
    if (!committed) {
      all_stored = false;
      if (!isStoreConflict(committed.error())) return std::unexpected(committed.error());
      continue;
    }
    for (const auto& u : w.round.state.unplaced) {
      common::logInfo("placement: " + name + " slot " + std::to_string(u.slot) +
                      " unplaced: " + u.reason);
    }
  }
  // Services that are gone: their allocations go with them (their instances stop).
  for (const auto& [name, stored] : states) {
    if (work.contains(name)) continue;
    Txn txn;
    txn.expect(keys::placement(name), stored.mod_revision).erase(keys::placement(name));
    auto committed = store.commit(txn);
    if (!committed) {
      all_stored = false;
      if (!isStoreConflict(committed.error())) return std::unexpected(committed.error());
    } else {
      common::logNotice("placement: service " + name + " removed, stopping its instances");
    }
  }
  if (!all_stored) return {};

  std::vector<PlacedService> placed;
  for (const auto& [name, w] : work) placed.push_back({&w.spec, &w.round.state});
  return writeNodeSections(cluster, world, placed);
}

common::Status PlacementController::writeNodeSections(const common::Cluster& cluster,
                                                      const World& world,
                                                      const std::vector<PlacedService>& placed) {
  Inventory& inventory = services_.inventory();
  auto shares = sharesByNode(placed);
  // The declaration's BGP part, in every node's signature: a change there rewrites bgp sections.
  std::string declared_bgp;
  for (const char* key : {"bgp", "vips"}) {
    if (auto it = cluster.extra.find(key); it != cluster.extra.end()) declared_bgp += it->dump();
  }
  declared_bgp = std::to_string(std::hash<std::string>{}(declared_bgp));
  static const NodeShare kNothing;
  for (const auto& [id, node] : world.nodes) {
    auto s = shares.find(id);
    const NodeShare& share = s == shares.end() ? kNothing : s->second;
    // Secrets (BGP passwords) only reach a node that was approved: the state is in the
    // signature so that approval writes the section and a reprovision or rescue takes it away.
    const bool entitled = receivesSecrets(node.state);
    std::string sig = signature(share) + "|" + node.declared_name + "|" + declared_bgp + "|" +
                      (entitled ? "s" : "-");
    if (auto w = written_.find(id); w != written_.end() && w->second == sig) continue;

    Json ours = unitsSection(share);
    Json bgp = entitled ? bgpSection(cluster, node.declared_name, servicesOf(share)) : nullptr;
    PHOTON_TRY(auto desired, inventory.desired(id));
    auto current_units = desired.body.find("units");
    Json current = current_units == desired.body.end() ? Json(nullptr) : *current_units;
    Json merged = mergeUnits(current, ours);
    // No section yet and nothing of ours: leave the document alone.
    if (!(current.is_null() && ours.empty()) && merged != current) {
      PHOTON_CHECK(inventory.setDesiredSection(id, "units", merged));
    }
    auto current_bgp = desired.body.find("bgp");
    if (!bgp.is_null()) {
      if (current_bgp == desired.body.end() || *current_bgp != bgp) {
        PHOTON_CHECK(inventory.setDesiredSection(id, "bgp", bgp));
      }
    } else if (!entitled && current_bgp != desired.body.end()) {
      PHOTON_CHECK(inventory.setDesiredSection(id, "bgp", nullptr));  // removes it
    }
    written_[id] = std::move(sig);
  }
  return {};
}

}  // namespace photon::coordinator::placement
