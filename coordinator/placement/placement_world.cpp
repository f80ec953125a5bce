#include "coordinator/placement/placement_world.h"

#include "common/error_context.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/placement/service_round.h"

namespace photon::coordinator::placement {
namespace {
using common::ErrorCode;
using common::fail;
namespace nk = coordinator::keys;

constexpr std::string_view kObservedPrefix = "observed/";
constexpr std::string_view kDesiredPrefix = "desired/";

std::string suffix(std::string_view key, std::string_view prefix) {
  return std::string(key.substr(prefix.size()));
}

const std::set<std::string> kNoServices;
}  // namespace

bool PlacementWorld::wanted(std::string_view k) {
  return k == nk::kCluster || k.starts_with(nk::kNodesPrefix) || k.starts_with(kObservedPrefix) ||
         k.starts_with(keys::kServicesPrefix) || k.starts_with(keys::kPlacementPrefix) ||
         k.starts_with(kDesiredPrefix);
}

void PlacementWorld::attachFeed() {
  changed_.attach();
}

void PlacementWorld::noteChanges(const std::vector<std::string>& keys, bool everything) {
  changed_.note(keys, everything);
}

void PlacementWorld::invalidate() {
  changed_.invalidate();
}

common::Result<WorldChanges> PlacementWorld::sync() {
  WorldChanges changes;
  auto [fed, everything, dirty] = changed_.take();
  const bool full = everything || !fed;
  changes.everything = everything;
  common::Status status = full ? fullRead(changes) : common::Status{};
  if (!full) {
    for (const auto& key : dirty) {
      status = readKey(key, changes);
      if (!status) break;
    }
  }
  if (!status) {
    invalidate();
    return std::unexpected(status.error());
  }
  return changes;
}

common::Status PlacementWorld::readKey(const std::string& key, WorldChanges& changes) {
  std::string_view k = key;
  if (k == nk::kCluster) return readCluster(changes);
  if (k.starts_with(nk::kNodesPrefix)) return readNode(suffix(k, nk::kNodesPrefix), changes);
  if (k.starts_with(kObservedPrefix)) return readObserved(suffix(k, kObservedPrefix), changes);
  if (k.starts_with(keys::kServicesPrefix)) {
    return readService(suffix(k, keys::kServicesPrefix), changes);
  }
  if (k.starts_with(keys::kPlacementPrefix)) {
    return readState(suffix(k, keys::kPlacementPrefix), changes);
  }
  if (k.starts_with(kDesiredPrefix)) changes.desired.insert(suffix(k, kDesiredPrefix));
  return {};
}

common::Status PlacementWorld::fullRead(WorldChanges& changes) {
  PHOTON_CHECK(readCluster(changes));
  // Each prefix: the keys that moved or appeared are read, the ones gone forgotten.
  auto each = [&](std::string_view prefix, const std::set<std::string>& known, auto revisionOf,
                  auto read) -> common::Status {
    PHOTON_TRY(auto listed, store_.revisions(std::string(prefix)));
    std::set<std::string> present;
    for (const auto& kr : listed) {
      std::string name = suffix(kr.key, prefix);
      if (revisionOf(name) != kr.mod_revision) PHOTON_CHECK(read(name));
      present.insert(std::move(name));
    }
    for (const auto& name : known) {
      if (!present.contains(name)) PHOTON_CHECK(read(name));  // reads it as gone
    }
    return {};
  };
  auto names = [](const auto& map, auto pick) {
    std::set<std::string> out;
    for (const auto& [name, v] : map) {
      if (pick(v)) out.insert(name);
    }
    return out;
  };
  auto nodeRev = [&](const std::string& id) {
    auto it = revisions_.find(id);
    return it == revisions_.end() ? 0 : it->second.node;
  };
  auto observedRev = [&](const std::string& id) {
    auto it = revisions_.find(id);
    return it == revisions_.end() ? 0 : it->second.observed;
  };
  PHOTON_CHECK(each(nk::kNodesPrefix, names(revisions_, [](const Revisions& r) { return r.node; }),
                    nodeRev, [&](const std::string& id) { return readNode(id, changes); }));
  PHOTON_CHECK(each(kObservedPrefix,
                    names(revisions_, [](const Revisions& r) { return r.observed; }), observedRev,
                    [&](const std::string& id) { return readObserved(id, changes); }));
  PHOTON_CHECK(each(
      keys::kServicesPrefix, names(specs_, [](const auto&) { return true; }),
      [&](const std::string& name) {
        auto it = specs_.find(name);
        return it == specs_.end() ? 0 : it->second.mod_revision;
      },
      [&](const std::string& name) { return readService(name, changes); }));
  PHOTON_CHECK(each(
      keys::kPlacementPrefix, names(states_, [](const auto&) { return true; }),
      [&](const std::string& name) {
        auto it = states_.find(name);
        return it == states_.end() ? 0 : it->second.mod_revision;
      },
      [&](const std::string& name) { return readState(name, changes); }));
  return {};
}

common::Status PlacementWorld::readCluster(WorldChanges& changes) {
  PHOTON_TRY(auto kv, store_.get(nk::kCluster));
  const int64_t revision = kv ? kv->mod_revision : 0;
  if (revision == cluster_revision_) return {};
  common::Cluster cluster;
  if (kv) {
    Json j = Json::parse(kv->value, nullptr, false);
    if (j.is_discarded()) return fail(ErrorCode::kInternal, "stored cluster is corrupt");
    PHOTON_TRY(cluster, common::clusterFromJson(j));
  }
  cluster_ = std::move(cluster);
  core_ = coreServicesOf(cluster_);
  cluster_revision_ = revision;
  changes.cluster = true;
  // Core services' specs come from the declaration, and a core service wins a name.
  for (const auto& [name, stored] : states_) recount(name);
  return {};
}

common::Status PlacementWorld::readNode(const std::string& id, WorldChanges& changes) {
  PHOTON_TRY(auto kv, store_.get(nk::node(id)));
  const int64_t revision = kv ? kv->mod_revision : 0;
  auto known = revisions_.find(id);
  if (known == revisions_.end() ? revision == 0 : known->second.node == revision) return {};
  changes.nodes.insert(id);
  if (!kv || revision == 0) {  // gone (a stored key's mod_revision is at least 1)
    world_.nodes.erase(id);
    if (known != revisions_.end()) {
      known->second.node = 0;
      if (known->second.observed == 0) revisions_.erase(known);
    }
    return {};
  }
  Json j = Json::parse(kv->value, nullptr, false);
  if (j.is_discarded()) return fail(ErrorCode::kInternal, "stored " + kv->key + " is corrupt");
  PHOTON_TRY(common::Node n, common::nodeFromJson(j));
  revisions_[id].node = revision;
  if (n.state == common::NodeState::kRetired) {
    world_.nodes.erase(id);
    return {};
  }
  NodeView v;
  v.sched = schedulerNodeOf(n);
  v.state = n.state;
  if (auto it = n.labels.find("photon.io/node"); it != n.labels.end()) v.declared_name = it->second;
  v.hostname = n.hostname;
  if (auto old = world_.nodes.find(id); old != world_.nodes.end()) {
    // Liveness is the controller's: it carries over until the next round sets it.
    v.alive = old->second.alive;
    v.missing_for = old->second.missing_for;
    v.sched.schedulable = old->second.sched.schedulable;
  }
  world_.nodes[id] = std::move(v);
  return {};
}

common::Status PlacementWorld::readObserved(const std::string& id, WorldChanges& changes) {
  PHOTON_TRY(auto kv, store_.get(nk::observed(id)));
  const int64_t revision = kv ? kv->mod_revision : 0;
  auto known = revisions_.find(id);
  if (known != revisions_.end() && known->second.observed == revision) return {};
  NodeObservation observation;
  if (kv) {
    PHOTON_TRY(Json body, parseStored(*kv));
    auto parsed = parseObservedUnits(body);
    common::ignoreError(parsed, "placement: read node " + id + "'s units report",
                        "its instances stay unknown, and nothing is judged on them");
    if (parsed) observation = std::move(*parsed);
    revisions_[id].observed = revision;
  } else if (known != revisions_.end()) {
    known->second.observed = 0;
    if (known->second.node == 0) revisions_.erase(known);
  }
  // A report that says the same about the units (most do) changes nothing here.
  auto old = world_.observed.find(id);
  if (old == world_.observed.end() ? observation.empty() : old->second == observation) return {};
  changes.observed.insert(id);
  if (observation.empty()) {
    world_.observed.erase(id);
  } else {
    world_.observed[id] = std::move(observation);
  }
  return {};
}

common::Status PlacementWorld::readService(const std::string& name, WorldChanges& changes) {
  PHOTON_TRY(auto kv, store_.get(keys::service(name)));
  auto known = specs_.find(name);
  const int64_t revision = kv ? kv->mod_revision : 0;
  if ((known == specs_.end() ? 0 : known->second.mod_revision) == revision) return {};
  changes.services.insert(name);
  if (!kv) {
    if (known != specs_.end()) specs_.erase(known);
    recount(name);
    return {};
  }
  PHOTON_TRY(Json j, parseStored(*kv));
  auto spec = storedServiceFromJson(std::move(j), name);
  if (!spec) {
    return fail(ErrorCode::kInternal, "stored service " + name + " no longer parses: " +
                                          spec.error().field + ": " + spec.error().message);
  }
  specs_[name] = {std::move(*spec), revision, {}};
  recount(name);
  return {};
}

common::Status PlacementWorld::readState(const std::string& name, WorldChanges& changes) {
  PHOTON_TRY(auto kv, store_.get(keys::placement(name)));
  auto known = states_.find(name);
  const int64_t revision = kv ? kv->mod_revision : 0;
  if ((known == states_.end() ? 0 : known->second.mod_revision) == revision) return {};
  changes.services.insert(name);
  if (!kv) {
    forgetState(name);
    return {};
  }
  PHOTON_TRY(Json j, parseStored(*kv));
  PHOTON_TRY(auto state, placementStateFromJson(j));
  state.service = name;
  stored(name, std::move(state), kv->value, revision);
  return {};
}

void PlacementWorld::stored(const std::string& name, PlacementState state, std::string raw,
                            int64_t revision) {
  auto& slot = states_[name];
  // The index moves from the old allocations to the new ones.
  PlacementState before = std::move(slot.value);
  slot = {std::move(state), revision, std::move(raw)};
  index(name, &before, &slot.value);
  recount(name);
}

void PlacementWorld::storedSpec(const std::string& name, ServiceSpec spec, int64_t revision) {
  specs_[name] = {std::move(spec), revision, {}};
  recount(name);
}

void PlacementWorld::forgetState(const std::string& name) {
  auto it = states_.find(name);
  if (it == states_.end()) return;
  index(name, &it->second.value, nullptr);
  states_.erase(it);
  recount(name);
}

void PlacementWorld::recount(const std::string& name) {
  std::map<std::string, Resources> now;
  if (auto state = states_.find(name); state != states_.end()) {
    const ServiceSpec* spec = nullptr;
    for (const auto& core : core_.services) {
      if (core.name == name) {
        spec = &core;
        break;
      }
    }
    if (auto it = specs_.find(name); !spec && it != specs_.end()) spec = &it->second.value;
    if (spec) {
      std::vector<ExistingAllocation> holding;
      addExisting(*spec, state->second.value, holding);
      for (const auto& a : holding) {
        Resources& r = now[a.node];
        r.cpu_millis += a.resources.cpu_millis;
        r.memory_bytes += a.resources.memory_bytes;
      }
    }
  }
  auto move = [&](const std::map<std::string, Resources>& by_node, int sign) {
    for (const auto& [node, r] : by_node) {
      Resources& total = held_[node];
      total.cpu_millis += sign * r.cpu_millis;
      total.memory_bytes += sign * r.memory_bytes;
      if (total.cpu_millis == 0 && total.memory_bytes == 0) held_.erase(node);
    }
  };
  if (auto old = held_by_.find(name); old != held_by_.end()) {
    move(old->second, -1);
    held_by_.erase(old);
  }
  move(now, +1);
  if (!now.empty()) held_by_.emplace(name, std::move(now));
}

const std::map<std::string, Resources>* PlacementWorld::heldBy(const std::string& name) const {
  auto it = held_by_.find(name);
  return it == held_by_.end() ? nullptr : &it->second;
}

void PlacementWorld::index(const std::string& name, const PlacementState* before,
                           const PlacementState* after) {
  std::set<std::string> now;
  if (after) {
    for (const auto& a : after->allocations) now.insert(a.node);
  }
  if (before) {
    for (const auto& a : before->allocations) {
      if (now.contains(a.node)) continue;
      auto it = services_on_.find(a.node);
      if (it == services_on_.end()) continue;
      it->second.erase(name);
      if (it->second.empty()) services_on_.erase(it);
    }
  }
  for (const auto& node : now) services_on_[node].insert(name);
}

const std::set<std::string>& PlacementWorld::servicesOn(const std::string& node_id) const {
  auto it = services_on_.find(node_id);
  return it == services_on_.end() ? kNoServices : it->second;
}

std::string PlacementWorld::describe() const {
  std::string out = "cluster@" + std::to_string(cluster_revision_) + "\n";
  for (const auto& [id, v] : world_.nodes) {
    Json labels(v.sched.labels);
    out += "node " + id + " " + std::string(common::toString(v.state)) + " " + v.declared_name +
           " " + v.hostname + " " + v.sched.class_name + " " + v.sched.pool + " " +
           std::to_string(v.sched.capacity.cpu_millis) + " " +
           std::to_string(v.sched.capacity.memory_bytes) + " " + labels.dump() + "\n";
  }
  for (const auto& [id, r] : revisions_) {
    out +=
        "revisions " + id + " " + std::to_string(r.node) + " " + std::to_string(r.observed) + "\n";
  }
  for (const auto& [id, observation] : world_.observed) {
    for (const auto& [name, o] : observation) {
      out += "observed " + id + " " + name + " " + std::string(common::toString(o.state)) + " " +
             std::string(common::toString(o.health)) + " " + o.revision + " " + o.error + "\n";
    }
  }
  for (const auto& [name, s] : specs_) {
    out += "spec " + name + "@" + std::to_string(s.mod_revision) + " " + toJson(s.value).dump() +
           (s.value.declared ? " declared" : "") + "\n";
  }
  for (const auto& [name, s] : states_) {
    out += "state " + name + "@" + std::to_string(s.mod_revision) + " " + toJson(s.value).dump() +
           "\n";
  }
  for (const auto& [node, names] : services_on_) {
    out += "on " + node;
    for (const auto& n : names) out += " " + n;
    out += "\n";
  }
  for (const auto& [node, r] : held_) {
    out += "held " + node + " " + std::to_string(r.cpu_millis) + " " +
           std::to_string(r.memory_bytes) + "\n";
  }
  for (const auto& [name, by_node] : held_by_) {
    for (const auto& [node, r] : by_node) {
      out += "held by " + name + " " + node + " " + std::to_string(r.cpu_millis) + " " +
             std::to_string(r.memory_bytes) + "\n";
    }
  }
  return out;
}

}  // namespace photon::coordinator::placement
