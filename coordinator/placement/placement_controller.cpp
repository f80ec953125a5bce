#include "coordinator/placement/placement_controller.h"

#include <set>

#include "common/error_context.h"
#include "common/log.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/inventory/lifecycle.h"
#include "coordinator/placement/placement_round.h"

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

// Whether planning the service again with nothing else changed would change nothing: no slot
// waits for a node, no instance waits on the clock (min_healthy_s, a missing node's grace).
bool isSettled(const ServiceSpec& spec, const ServiceRound& round, const World& world) {
  if (!round.pending.empty() || !round.state.unplaced.empty()) return false;
  for (const auto& a : round.state.allocations) {
    if (a.lost) continue;
    const NodeView* n = world.node(a.node);
    if (!n || !n->alive) return false;
    if (a.healthy_since != 0 && world.now - a.healthy_since < spec.update.min_healthy_s) {
      return false;
    }
  }
  return true;
}
}  // namespace

void PlacementController::tick() {
  std::lock_guard lock(mutex_);
  auto status = round();
  if (!status) {
    // Part of the round may be stored and its node sections not written: the next round
    // reads and checks everything.
    world_.invalidate();
    common::logWarning("placement: " + status.error().message + ", retrying next round");
  }
}

void PlacementController::leadershipGained() {
  std::lock_guard lock(mutex_);
  world_.invalidate();
  written_.clear();
}

void PlacementController::forgetLiveness(const std::string& id) {
  if (auto due = due_of_.find(id); due != due_of_.end()) {
    liveness_due_.erase({due->second, id});
    due_of_.erase(due);
  }
  missing_.erase(id);
  draining_.erase(id);
}

void PlacementController::refreshNodeLiveness(const std::string& id, NodeView& v, int64_t now,
                                              int64_t ttl, std::set<std::string>& moved) {
  forgetLiveness(id);
  bool alive = true;
  int64_t missing_for = 0;
  if (agentExpected(v.state)) {
    const int64_t last = liveness_.lastSeen(id);
    const int64_t past = now - last - ttl;
    alive = past <= 0;
    missing_for = alive ? 0 : past;
    if (alive) {
      due_of_[id] = last + ttl + 1;  // the first second at which `past` is positive
      liveness_due_.emplace(last + ttl + 1, id);
    } else {
      missing_.insert(id);
    }
  }
  if (v.state == NodeState::kDraining) draining_.insert(id);
  const bool schedulable = v.state == NodeState::kActive && alive;
  if (alive != v.alive || schedulable != v.sched.schedulable) moved.insert(id);
  v.alive = alive;
  v.missing_for = missing_for;
  v.sched.schedulable = schedulable;
}

std::set<std::string> PlacementController::refreshLiveness(
    World& world, int64_t ttl, const std::set<std::string>& changed_nodes, bool all) {
  std::set<std::string> moved;
  if (all || ttl != liveness_ttl_) {
    liveness_due_.clear();
    due_of_.clear();
    missing_.clear();
    draining_.clear();
    liveness_ttl_ = ttl;
    for (auto& [id, v] : world.nodes) refreshNodeLiveness(id, v, world.now, ttl, moved);
    last_liveness_checks_ = world.nodes.size();
    return moved;
  }
  std::set<std::string> check = changed_nodes;
  check.insert(missing_.begin(), missing_.end());
  while (!liveness_due_.empty() && liveness_due_.begin()->first <= world.now) {
    check.insert(liveness_due_.begin()->second);
    due_of_.erase(liveness_due_.begin()->second);
    liveness_due_.erase(liveness_due_.begin());
  }
  last_liveness_checks_ = check.size();
  for (const auto& id : check) {
    auto it = world.nodes.find(id);
    if (it == world.nodes.end()) {
      forgetLiveness(id);  // gone from the store
      continue;
    }
    refreshNodeLiveness(id, it->second, world.now, ttl, moved);
  }
  return moved;
}

common::Result<std::set<std::string>> PlacementController::editedDesired(
    const std::set<std::string>& changed) {
  std::set<std::string> out;
  Store& store = services_.store();
  for (const auto& id : changed) {
    auto w = written_.find(id);
    if (w != written_.end()) {
      PHOTON_TRY(int64_t revision, store.modRevision(coordinator::keys::desired(id)));
      if (revision == w->second.desired_revision) continue;  // our own write
      written_.erase(w);
    }
    out.insert(id);
  }
  return out;
}

common::Status PlacementController::round() {
  Inventory& inventory = services_.inventory();
  const int64_t now = inventory.clock().nowSeconds();
  if (!full_read_at_ || now - *full_read_at_ >= kFullReadSeconds || now < *full_read_at_) {
    if (full_read_at_) world_.invalidate();  // (the first sync reads everything anyway)
    full_read_at_ = now;
  }
  PHOTON_TRY_CTX(auto changes, world_.sync(), "read the world");
  // After a full read every node's desired document is read again too: an edit the feed did
  // not name is corrected then. A new declaration changes signatures, which is enough.
  if (changes.everything) written_.clear();
  const bool all = changes.everything || changes.cluster;
  if (all) {
    for (const auto& e : world_.coreErrors()) {
      common::logWarning("placement: cluster " + e.field + ": " + e.message + ", ignoring");
    }
  }
  const common::Cluster& cluster = world_.cluster();
  World& world = world_.world();
  world.now = now;
  world.failover_grace_s = graceFrom(cluster, options_.failover_grace_s);
  std::set<std::string> moved =
      refreshLiveness(world, cluster.settings.node_ttl_s, changes.nodes, changes.everything);
  moved.insert(changes.nodes.begin(), changes.nodes.end());

  // Which services to plan: those whose spec or memory changed, those on a node that moved or
  // reported something new, those still moving; on a node change also the global and core
  // ones (a new node may be theirs). Everything after a full read.
  std::set<std::string> core_names;
  for (const auto& spec : world_.coreServices()) core_names.insert(spec.name);
  std::set<std::string> names;
  if (all) {
    names = core_names;
    for (const auto& [name, s] : world_.specs()) names.insert(name);
    for (const auto& [name, s] : world_.states()) names.insert(name);
  } else {
    names = changes.services;
    names.insert(unsettled_.begin(), unsettled_.end());
    for (const auto* nodes : {&moved, &changes.observed}) {
      for (const auto& id : *nodes) {
        const auto& on = world_.servicesOn(id);
        names.insert(on.begin(), on.end());
      }
    }
    if (!moved.empty()) {
      names.insert(core_names.begin(), core_names.end());
      for (const auto& [name, s] : world_.specs()) {
        if (s.value.global) names.insert(name);
      }
    }
  }
  // Until this round's plans are stored, they count as still moving.
  unsettled_.insert(names.begin(), names.end());
  last_planned_ = names.size();

  // A draining node's core instances stop once no movable instance is left there.
  world.nodes_with_movable.clear();
  for (const auto& id : draining_) {
    for (const auto& name : world_.servicesOn(id)) {
      if (core_names.contains(name)) continue;
      const auto& allocations = world_.states().at(name).value.allocations;
      if (std::any_of(allocations.begin(), allocations.end(),
                      [&](const Allocation& a) { return a.node == id && !a.lost; })) {
        world.nodes_with_movable.insert(id);
      }
    }
  }

  // The services to plan, their specs (a core service wins a name) and what placement holds.
  std::map<std::string, ServiceWork> work;
  std::vector<std::string> removed;  // placement memory of services that are gone
  for (const auto& name : names) {
    ServiceWork w;
    const auto& specs = world_.specs();
    auto core = std::find_if(world_.coreServices().begin(), world_.coreServices().end(),
                             [&](const ServiceSpec& s) { return s.name == name; });
    if (core != world_.coreServices().end()) {
      if (specs.contains(name)) {
        common::logWarning("placement: service " + name + " is also a core service, ignoring it");
      }
      w.spec = *core;
      w.core = true;
    } else if (auto it = specs.find(name); it != specs.end()) {
      w.spec = it->second.value;
      w.spec_revision = it->second.mod_revision;
    } else {
      // Gone: its placement memory is removed below; with none, nothing will settle it.
      if (world_.states().contains(name)) {
        removed.push_back(name);
      } else {
        unsettled_.erase(name);
      }
      continue;
    }
    if (auto it = world_.states().find(name); it != world_.states().end()) w.stored = it->second;
    w.stored.value.service = name;
    work.emplace(name, std::move(w));
  }

  std::vector<ServiceInput> inputs;
  for (auto& [name, w] : work) inputs.push_back({w.spec, w.stored.value});
  if (!inputs.empty() && reserved_) {
    // VMs hold their memory (and a core per vCPU) on their nodes: one reservation per node.
    PHOTON_TRY_CTX(auto held, reserved_->reservations(), "read the capacity others hold");
    world.reserved.clear();
    for (const auto& r : held) {
      world.reserved.push_back({r.holder, r.node, {r.cpu_millis, r.memory_bytes}});
    }
  }
  // The services not planned hold capacity too: what every stored placement holds (kept by the
  // world) less the planned services' stored share (their plans count instead). Asked for only
  // when something is to be placed; costs the fleet's size and the planned services' nodes.
  auto others = [&](Fleet& fleet) {
    auto held = world_.held().begin();
    const auto end = world_.held().end();
    for (size_t i = 0; i < fleet.nodes.size() && held != end; ++i) {
      while (held != end && held->first < fleet.nodes[i]->id) ++held;
      if (held == end || held->first != fleet.nodes[i]->id) continue;
      fleet.held[i].cpu_millis += held->second.cpu_millis;
      fleet.held[i].memory_bytes += held->second.memory_bytes;
    }
    for (const auto& [name, w] : work) {
      const auto* planned = world_.heldBy(name);
      if (!planned) continue;
      for (const auto& [node, r] : *planned) {
        if (size_t i = fleet.find(node); i < fleet.nodes.size()) {
          fleet.held[i].cpu_millis -= r.cpu_millis;
          fleet.held[i].memory_bytes -= r.memory_bytes;
        }
      }
    }
  };
  auto outputs = placeAll(std::move(inputs), world, others);
  size_t next = 0;
  for (auto& [name, w] : work) {
    ServiceOutput& o = outputs[next++];
    if (o.reverted_spec) {
      common::logNotice("placement: service " + name + " reverted to revision " +
                        o.round.state.last_healthy_revision + ": " + o.round.state.revert_reason);
    }
    w.spec = std::move(o.spec);
    w.round = std::move(o.round);
    w.reverted_spec = std::move(o.reverted_spec);
  }

  // Store what changed; a conflict (another writer) leaves this round's node sections unwritten
  // and the world to be read again.
  bool all_stored = true;
  Store& store = services_.store();
  std::set<std::string> touched;  // nodes whose share may have changed
  std::set<std::string> settled;
  for (auto& [name, w] : work) {
    std::string next = toJson(w.round.state).dump();
    if (w.stored.mod_revision != 0 && next == w.stored.raw && !w.reverted_spec) {
      if (isSettled(w.spec, w.round, world)) settled.insert(name);
      continue;
    }
    touched.merge(nodesWhoseShareMoved(w.stored.value, w.round.state));
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
    world_.stored(name, w.round.state, std::move(next), *committed);
    if (w.reverted_spec) world_.storedSpec(name, w.spec, *committed);
  }
  // Services that are gone: their allocations go with them (their instances stop).
  for (const auto& name : removed) {
    const auto& stored = world_.states().at(name);
    for (const auto& a : stored.value.allocations) touched.insert(a.node);
    Txn txn;
    txn.expect(keys::placement(name), stored.mod_revision).erase(keys::placement(name));
    auto committed = store.commit(txn);
    if (!committed) {
      all_stored = false;
      if (!isStoreConflict(committed.error())) return std::unexpected(committed.error());
    } else {
      common::logNotice("placement: service " + name + " removed, stopping its instances");
      world_.forgetState(name);
      settled.insert(name);
    }
  }
  if (!all_stored) {
    world_.invalidate();
    return {};
  }
  for (const auto& name : names) {
    if (settled.contains(name)) unsettled_.erase(name);
  }

  if (all) return writeNodeSections(nullptr);
  // Also the nodes whose document moved (their state or name is in the signature) and those
  // whose desired document someone else edited.
  for (const auto& id : changes.nodes) touched.insert(id);
  PHOTON_TRY(auto edited, editedDesired(changes.desired));
  touched.insert(edited.begin(), edited.end());
  return writeNodeSections(&touched);
}

common::Status PlacementController::writeNodeSections(const std::set<std::string>* only) {
  if (only && only->empty()) return {};
  Inventory& inventory = services_.inventory();
  const common::Cluster& cluster = world_.cluster();
  const World& world = world_.world();
  // Every service with its spec (a core service wins a name) and what placement holds.
  std::map<std::string, PlacedService> placed;
  for (const auto& spec : world_.coreServices()) {
    if (auto it = world_.states().find(spec.name); it != world_.states().end()) {
      placed.emplace(spec.name, PlacedService{&spec, &it->second.value});
    }
  }
  for (const auto& [name, stored] : world_.specs()) {
    auto it = world_.states().find(name);
    if (it != world_.states().end())
      placed.emplace(name, PlacedService{&stored.value, &it->second.value});
  }
  // A few nodes: their shares from the services on them; many: one pass over every allocation.
  std::map<std::string, NodeShare> shares;
  std::vector<PlacedService> all;  // what the shares point into
  if (only && only->size() * 10 < world.nodes.size()) {
    for (const auto& id : *only) {
      NodeShare& share = shares[id];
      for (const auto& name : world_.servicesOn(id)) {
        auto p = placed.find(name);
        if (p == placed.end()) continue;
        for (const auto& a : p->second.state->allocations) {
          if (a.node == id && !a.lost) share.allocations.emplace_back(&p->second, &a);
        }
      }
      std::sort(share.allocations.begin(), share.allocations.end(),
                [](const auto& x, const auto& y) { return x.second->name < y.second->name; });
    }
  } else {
    for (const auto& [name, p] : placed) all.push_back(p);
    shares = sharesByNode(all);
  }
  // The declaration's BGP part, in every node's signature: a change there rewrites bgp sections.
  std::string declared_bgp;
  for (const char* key : {"bgp", "vips"}) {
    if (auto it = cluster.extra.find(key); it != cluster.extra.end()) declared_bgp += it->dump();
  }
  declared_bgp = std::to_string(std::hash<std::string>{}(declared_bgp));
  static const NodeShare kNothing;
  auto write = [&](const std::string& id, const NodeView& node) -> common::Status {
    auto s = shares.find(id);
    const NodeShare& share = s == shares.end() ? kNothing : s->second;
    // Secrets (BGP passwords) only reach a node that was approved: the state is in the
    // signature so that approval writes the section and a reprovision or rescue takes it away.
    const bool entitled = receivesSecrets(node.state);
    std::string sig = signature(share) + "|" + node.declared_name + "|" + declared_bgp + "|" +
                      (entitled ? "s" : "-");
    if (auto w = written_.find(id); w != written_.end() && w->second.signature == sig) return {};

    Json ours = unitsSection(share);
    Json bgp = entitled ? bgpSection(cluster, node.declared_name, servicesOf(share)) : nullptr;
    PHOTON_TRY_CTX(auto desired, inventory.desired(id), "read node " + id + "'s desired document");
    int64_t revision = desired.revision;
    auto current_units = desired.body.find("units");
    Json current = current_units == desired.body.end() ? Json(nullptr) : *current_units;
    Json merged = mergeUnits(current, ours);
    // No section yet and nothing of ours: leave the document alone.
    if (!(current.is_null() && ours.empty()) && merged != current) {
      PHOTON_TRY_CTX(revision, inventory.setDesiredSection(id, "units", merged),
                     "write node " + id + "'s units section");
    }
    auto current_bgp = desired.body.find("bgp");
    if (!bgp.is_null()) {
      if (current_bgp == desired.body.end() || *current_bgp != bgp) {
        PHOTON_TRY_CTX(revision, inventory.setDesiredSection(id, "bgp", bgp),
                       "write node " + id + "'s bgp section");
      }
    } else if (!entitled && current_bgp != desired.body.end()) {
      PHOTON_TRY_CTX(revision, inventory.setDesiredSection(id, "bgp", nullptr),  // removes it
                     "remove node " + id + "'s bgp section");
    }
    written_[id] = Written{std::move(sig), revision};
    return {};
  };
  if (!only) {
    for (const auto& [id, node] : world.nodes) PHOTON_CHECK(write(id, node));
    return {};
  }
  for (const auto& id : *only) {
    if (const NodeView* node = world.node(id)) PHOTON_CHECK(write(id, *node));
  }
  return {};
}

}  // namespace photon::coordinator::placement
