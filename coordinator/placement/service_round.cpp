#include "coordinator/placement/service_round.h"

#include <algorithm>
#include <set>

#include "coordinator/inventory/lifecycle.h"

namespace photon::coordinator::placement {
namespace {
using common::NodeState;

using common::InstanceHealth;

bool failedHealth(InstanceHealth h) {
  return h == InstanceHealth::kUnhealthy || h == InstanceHealth::kFailed ||
         h == InstanceHealth::kRefused;
}

Json templateOf(const ServiceSpec& spec) {
  return {
      {"instance", spec.instance},
      {"resources",
       {{"cpu_millis", spec.resources.cpu_millis}, {"memory_bytes", spec.resources.memory_bytes}}}};
}

Resources resourcesOf(const PlacementState& state, const ServiceSpec& spec,
                      const std::string& revision) {
  auto it = state.templates.find(revision);
  if (it == state.templates.end()) return spec.resources;
  const Json& r = it->second["resources"];
  return {r.value("cpu_millis", int64_t{0}), r.value("memory_bytes", int64_t{0})};
}

std::string describeNodeState(const NodeView* n) {
  if (!n) return "not enrolled";
  if (!n->alive) return "missing";
  return std::string(common::toString(n->state));
}
}  // namespace

void observeHealth(PlacementState& state, const World& world) {
  for (auto& a : state.allocations) {
    if (a.lost) continue;
    const NodeView* n = world.node(a.node);
    if (!n || !n->alive) {
      a.health = InstanceHealth::kMissing;
      a.healthy_since = 0;
      continue;
    }
    const InstanceObservation* o = nullptr;
    if (auto node = world.observed.find(a.node); node != world.observed.end()) {
      if (auto it = node->second.find(a.name); it != node->second.end()) o = &it->second;
    }
    if (!o) {
      a.health = InstanceHealth::kUnknown;
      a.error.clear();
      a.healthy_since = 0;
      continue;
    }
    a.health = healthOf(*o, a.revision);
    a.error = o->error;
    if (a.health == InstanceHealth::kHealthy) {
      if (a.healthy_since == 0) a.healthy_since = world.now;
    } else {
      a.healthy_since = 0;
    }
  }
}

std::optional<Json> revertTarget(const ServiceSpec& spec, PlacementState& state) {
  const std::string revision = instanceRevision(spec);
  state.paused_reason.clear();
  if (revision != state.last_healthy_revision && !state.reverted_from.empty() &&
      state.reverted_from != revision) {
    state.reverted_from.clear();  // a new spec since the revert: the old story is over
    state.revert_reason.clear();
  }
  for (const auto& a : state.allocations) {
    if (a.lost || a.revision != revision || !failedHealth(a.health)) continue;
    std::string why = "instance " + a.name + " on node " + a.node + " is " +
                      std::string(common::toString(a.health)) +
                      (a.error.empty() ? "" : " (" + a.error + ")");
    if (spec.update.auto_revert && !state.last_healthy_spec.is_null() &&
        !state.last_healthy_revision.empty() && state.last_healthy_revision != revision) {
      state.reverted_from = revision;
      state.revert_reason = why;
      return state.last_healthy_spec;
    }
    state.paused_reason = "rollout of revision " + revision + " paused: " + why;
    return std::nullopt;
  }
  return std::nullopt;
}

ServiceRound planService(const ServiceSpec& spec, PlacementState state, const World& world) {
  ServiceRound round;
  round.state = std::move(state);
  PlacementState& s = round.state;
  const std::string revision = instanceRevision(spec);
  const int64_t now = world.now;
  s.service = spec.name;
  s.unplaced.clear();
  s.templates[revision] = templateOf(spec);

  // 1. What each allocation's node says about it.
  std::vector<Allocation> kept;
  for (auto& a : s.allocations) {
    const NodeView* n = world.node(a.node);
    if (!n) continue;  // the node is gone (retired): nothing runs there
    if (a.lost) {
      // Back from missing: it is not in the node's desired units, so the agent stops it.
      if (!(n->alive && agentExpected(n->state))) kept.push_back(a);
      continue;
    }
    if (spec.core()) {
      bool stop =
          n->state == NodeState::kDrained ||
          (n->state == NodeState::kDraining && !world.nodes_with_movable.contains(a.node)) ||
          !agentExpected(n->state);
      if (!stop) kept.push_back(a);
      continue;
    }
    if (!agentExpected(n->state) || n->state == NodeState::kDrained) continue;
    if (!n->alive && n->missing_for > world.failover_grace_s) a.lost = true;
    kept.push_back(a);
  }
  s.allocations = std::move(kept);
  auto live = [&](const Allocation& a) { return !a.lost; };
  std::set<std::string> names;
  for (const auto& a : s.allocations) {
    if (live(a)) names.insert(a.name);
  }
  for (auto& a : s.allocations) {
    if (!a.replaces.empty() && !names.contains(a.replaces)) a.replaces.clear();
  }

  auto onDraining = [&](const Allocation& a) {
    const NodeView* n = world.node(a.node);
    return n && n->state == NodeState::kDraining;
  };

  std::vector<PendingPlacement> fresh, replacements;
  if (!spec.core() && spec.global) {
    std::erase_if(s.allocations, [&](const Allocation& a) { return live(a) && onDraining(a); });
  } else if (!spec.core()) {
    // 2. Drain: each instance on a draining node gets a replacement elsewhere first; the old one
    // stops once the replacement is healthy. At most max_parallel replacements in flight.
    std::set<std::string> done;
    // An undrain calls the move off: replacements of instances whose node takes work again stop.
    for (const auto& a : s.allocations) {
      if (live(a) && !onDraining(a)) {
        for (const auto& b : s.allocations) {
          if (live(b) && b.replaces == a.name) done.insert(b.name);
        }
      }
    }
    std::vector<const Allocation*> waiting;
    for (auto& a : s.allocations) {
      if (!live(a) || !onDraining(a)) continue;
      auto r = std::find_if(s.allocations.begin(), s.allocations.end(),
                            [&](const Allocation& b) { return live(b) && b.replaces == a.name; });
      if (r != s.allocations.end()) {
        if (r->healthy_since != 0) {
          done.insert(a.name);
          r->replaces.clear();
        }
      } else {
        waiting.push_back(&a);
      }
    }
    int64_t in_flight =
        std::count_if(s.allocations.begin(), s.allocations.end(),
                      [&](const auto& b) { return live(b) && !b.replaces.empty(); });
    std::sort(waiting.begin(), waiting.end(),
              [](const Allocation* x, const Allocation* y) { return x->slot < y->slot; });
    for (const Allocation* a : waiting) {
      if (in_flight >= spec.update.max_parallel) break;
      if (a->slot >= spec.replicas) continue;  // scaled away below anyway
      replacements.push_back({a->slot, a->name});
      ++in_flight;
    }
    std::erase_if(s.allocations, [&](const Allocation& a) { return done.contains(a.name); });
  }

  // 3. Slots: one live allocation per replica (or pinned node); surplus slots stop.
  if (!spec.global || spec.core()) {
    const int64_t slots = spec.core() ? static_cast<int64_t>(spec.pinned.size()) : spec.replicas;
    std::erase_if(s.allocations, [&](const Allocation& a) {
      if (!live(a)) return false;
      if (a.slot >= slots || a.slot < 0) return true;
      // A pinned slot whose node changed in the declaration moves to the new node.
      return spec.core() && a.node != world.nodeIdFor(spec.pinned[a.slot]);
    });
    std::set<int64_t> filled;
    for (const auto& a : s.allocations) {
      if (live(a)) filled.insert(a.slot);
    }
    for (int64_t slot = 0; slot < slots; ++slot) {
      if (!filled.contains(slot)) fresh.push_back({slot, ""});
    }
  }

  // 4. Rolling update: max_parallel instances at a time move to the new revision, the next ones
  // only once those have been healthy for min_healthy_s. A failed one stops the rollout (the
  // controller reverts before this when it can).
  bool failed = false;
  int64_t in_flight = 0;
  std::vector<Allocation*> outdated;
  for (auto& a : s.allocations) {
    if (!live(a)) continue;
    if (a.revision == revision) {
      if (failedHealth(a.health)) failed = true;
      if (a.healthy_since == 0 || now - a.healthy_since < spec.update.min_healthy_s) ++in_flight;
      continue;
    }
    if (!spec.core() && onDraining(a)) continue;  // it is being moved anyway
    outdated.push_back(&a);
  }
  // Instances on nodes that no longer match the selector move like an update.
  if (!spec.core()) {
    for (auto& a : s.allocations) {
      if (!live(a) || a.revision != revision || onDraining(a) || !a.replaces.empty()) continue;
      const NodeView* n = world.node(a.node);
      if (n && !spec.selector.matches(n->sched)) outdated.push_back(&a);
    }
  }
  std::sort(outdated.begin(), outdated.end(),
            [](const Allocation* x, const Allocation* y) { return x->slot < y->slot; });
  std::set<std::string> moved;
  if (!failed) {
    for (Allocation* a : outdated) {
      if (in_flight >= spec.update.max_parallel) break;
      const NodeView* n = world.node(a->node);
      Resources had = resourcesOf(s, spec, a->revision);
      bool in_place =
          spec.core() || (n && n->sched.schedulable && spec.selector.matches(n->sched) &&
                          had.cpu_millis == spec.resources.cpu_millis &&
                          had.memory_bytes == spec.resources.memory_bytes);
      if (in_place && a->revision != revision) {
        a->revision = revision;
        a->health = InstanceHealth::kUnknown;
        a->error.clear();
        a->healthy_since = 0;
      } else {
        moved.insert(a->name);
        if (!spec.global) fresh.push_back({a->slot, ""});
      }
      ++in_flight;
    }
  }
  std::erase_if(s.allocations, [&](const Allocation& a) { return moved.contains(a.name); });

  // 5. A rollout is complete when every instance runs this revision, healthy long enough.
  bool complete = fresh.empty() && replacements.empty() && !s.allocations.empty();
  for (const auto& a : s.allocations) {
    if (!live(a)) continue;
    if (a.revision != revision || a.healthy_since == 0 ||
        now - a.healthy_since < spec.update.min_healthy_s) {
      complete = false;
    }
  }
  if (complete && s.last_healthy_revision != revision) {
    s.last_healthy_spec = toJson(spec);
    s.last_healthy_revision = revision;
  }

  // 6. Templates no allocation runs any more.
  std::set<std::string> used = {revision};
  for (const auto& a : s.allocations) used.insert(a.revision);
  std::erase_if(s.templates, [&](const auto& kv) { return !used.contains(kv.first); });

  round.pending = std::move(fresh);
  round.pending.insert(round.pending.end(), replacements.begin(), replacements.end());
  return round;
}

Demand demandFor(const ServiceSpec& spec, const ServiceRound& round, const World& world) {
  Demand d;
  d.service = spec.name;
  d.selector = spec.selector;
  d.resources = spec.resources;
  d.spread_label = spec.spread_label;
  d.distinct_hosts = spec.distinct_hosts;
  d.avoid_nodes = round.avoid_nodes;
  if (spec.core()) {
    for (const auto& p : round.pending) {
      std::string id = world.nodeIdFor(spec.pinned[p.slot]);
      const NodeView* n = world.node(id);
      if (n && n->state == NodeState::kActive) d.pinned_nodes.push_back(id);
    }
    if (d.pinned_nodes.empty()) d.count = 0;
    return d;
  }
  if (spec.global) {
    d.global = true;
    return d;
  }
  d.count = static_cast<int>(round.pending.size());
  return d;
}

void applyResult(const ServiceSpec& spec, ServiceRound& round, const DemandResult& result,
                 const World& world) {
  PlacementState& s = round.state;
  const std::string revision = instanceRevision(spec);
  auto create = [&](int64_t slot, const std::string& node, const std::string& replaces) {
    Allocation a;
    a.name = s.newInstanceName();
    a.slot = slot;
    a.node = node;
    a.revision = revision;
    a.created_at = world.now;
    a.replaces = replaces;
    s.allocations.push_back(std::move(a));
  };
  if (spec.core()) {
    std::set<std::string> chosen(result.nodes.begin(), result.nodes.end());
    for (const auto& p : round.pending) {
      const std::string& declared = spec.pinned[p.slot];
      std::string id = world.nodeIdFor(declared);
      if (!id.empty() && chosen.contains(id)) {
        create(p.slot, id, "");
        continue;
      }
      const NodeView* n = world.node(id);
      std::string reason;
      if (!n) {
        reason = std::string(kNoNodeMatches) + ": pinned node " + declared + " is not enrolled";
      } else if (n->state != NodeState::kActive) {
        reason = std::string(kNoNodeMatches) + ": pinned node " + declared + " is " +
                 describeNodeState(n);
      } else {
        reason = result.reason.empty() ? std::string(kNoCapacity) : result.reason;
      }
      s.unplaced.push_back({p.slot, reason, ""});
    }
    return;
  }
  if (spec.global) {
    for (const auto& node : result.nodes) create(0, node, "");
    bool none = std::none_of(s.allocations.begin(), s.allocations.end(),
                             [](const Allocation& a) { return !a.lost; });
    if (result.unplaced > 0 || (none && !result.reason.empty())) {
      s.unplaced.push_back({-1, result.reason, ""});
    }
    return;
  }
  size_t i = 0;
  for (; i < result.nodes.size() && i < round.pending.size(); ++i) {
    create(round.pending[i].slot, result.nodes[i], round.pending[i].replaces);
  }
  for (; i < round.pending.size(); ++i) {
    s.unplaced.push_back({round.pending[i].slot, result.reason, round.pending[i].replaces});
  }
}

void addExisting(const ServiceSpec& spec, const PlacementState& state,
                 std::vector<ExistingAllocation>& out) {
  for (const auto& a : state.allocations) {
    if (a.lost) continue;
    out.push_back({spec.name, a.node, resourcesOf(state, spec, a.revision)});
  }
}

}  // namespace photon::coordinator::placement
