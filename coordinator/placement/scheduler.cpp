#include "coordinator/placement/scheduler.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <set>
#include <unordered_map>

namespace photon::coordinator::placement {
namespace {

struct Usage {
  std::vector<Resources> used;  // by node index
  // Instances per service per node index.
  std::unordered_map<std::string, std::unordered_map<size_t, int>> per_service;

  const std::unordered_map<size_t, int>* of(const std::string& service) const {
    auto s = per_service.find(service);
    return s == per_service.end() ? nullptr : &s->second;
  }
};

int countOn(const std::unordered_map<size_t, int>* of_service, size_t node) {
  if (!of_service) return 0;
  auto n = of_service->find(node);
  return n == of_service->end() ? 0 : n->second;
}

// The values of one spread label over all nodes, sorted, and each node's value index (-1: the
// node lacks the label). Built once per label per schedule() call, not per demand.
struct SpreadIndex {
  std::vector<std::string> values;
  std::vector<int> of_node;
};

SpreadIndex buildSpreadIndex(const Fleet& fleet, const std::string& label) {
  SpreadIndex index;
  std::map<std::string, int> ids;
  for (const SchedulerNode* n : fleet.nodes) {
    if (auto it = n->labels.find(label); it != n->labels.end()) ids.emplace(it->second, 0);
  }
  for (auto& [value, id] : ids) {
    id = static_cast<int>(index.values.size());
    index.values.push_back(value);
  }
  index.of_node.reserve(fleet.nodes.size());
  for (const SchedulerNode* n : fleet.nodes) {
    auto it = n->labels.find(label);
    index.of_node.push_back(it == n->labels.end() ? -1 : ids[it->second]);
  }
  return index;
}

// The schedulable nodes one selector matches, in id order: found once per schedule() call for
// every demand with that selector, so that a demand walks its candidates, not the fleet.
struct Candidates {
  std::vector<size_t> nodes;
};

bool fits(const SchedulerNode& node, const Resources& used, const Resources& want) {
  return used.cpu_millis + want.cpu_millis <= node.capacity.cpu_millis &&
         used.memory_bytes + want.memory_bytes <= node.capacity.memory_bytes;
}

// Lower is better: what is left free after placing `want`, as millionths of the node's size in
// each dimension, summed, as an integer so that ties are exact (then broken by node id).
int64_t packScore(const SchedulerNode& node, const Resources& used, const Resources& want) {
  auto part = [](int64_t capacity, int64_t left) -> int64_t {
    if (capacity <= 0) return 0;
    return static_cast<int64_t>(static_cast<double>(left) * 1e6 / static_cast<double>(capacity));
  };
  return part(node.capacity.cpu_millis,
              node.capacity.cpu_millis - used.cpu_millis - want.cpu_millis) +
         part(node.capacity.memory_bytes,
              node.capacity.memory_bytes - used.memory_bytes - want.memory_bytes);
}

std::string describe(const Resources& r) {
  return "cpu_millis " + std::to_string(r.cpu_millis) + " and memory_bytes " +
         std::to_string(r.memory_bytes);
}

// What one schedule() call works from: the fleet, its usage as the call places, and what it
// found once for all demands (spread indexes by label, candidates by selector).
struct Call {
  const Fleet& fleet;
  Usage usage;
  size_t schedulable = 0;  // in the whole fleet
  std::map<std::string, SpreadIndex> spread_indexes;
  std::map<std::string, Candidates> candidates;  // by the selector's JSON text

  const SchedulerNode& node(size_t i) const { return *fleet.nodes[i]; }

  const SpreadIndex& spread(const std::string& label) {
    auto it = spread_indexes.find(label);
    if (it == spread_indexes.end()) {
      it = spread_indexes.emplace(label, buildSpreadIndex(fleet, label)).first;
    }
    return it->second;
  }

  const Candidates& candidatesFor(const Selector& selector) {
    std::string key = toJson(selector).dump();
    auto it = candidates.find(key);
    if (it != candidates.end()) return it->second;
    Candidates c;
    if (!selector.nodes.empty()) {
      // Named nodes: looked up, not searched for.
      for (const auto& id : selector.nodes) {
        size_t i = fleet.find(id);
        if (i < fleet.nodes.size() && node(i).schedulable && selector.matches(node(i))) {
          c.nodes.push_back(i);
        }
      }
      std::sort(c.nodes.begin(), c.nodes.end());
      c.nodes.erase(std::unique(c.nodes.begin(), c.nodes.end()), c.nodes.end());
    } else {
      for (size_t i = 0; i < fleet.nodes.size(); ++i) {
        if (node(i).schedulable && selector.matches(node(i))) c.nodes.push_back(i);
      }
    }
    return candidates.emplace(std::move(key), std::move(c)).first->second;
  }

  void place(DemandResult& result, size_t index, const Demand& demand) {
    usage.used[index].cpu_millis += demand.resources.cpu_millis;
    usage.used[index].memory_bytes += demand.resources.memory_bytes;
    ++usage.per_service[demand.service][index];
    result.nodes.push_back(node(index).id);
  }
};

DemandResult schedulePinned(Call& call, const Demand& demand) {
  DemandResult result;
  std::set<std::string> seen;
  for (const auto& id : demand.pinned_nodes) {
    if (!seen.insert(id).second) continue;
    const size_t i = call.fleet.find(id);
    if (i == call.fleet.nodes.size()) {
      ++result.unplaced;
      result.reason = std::string(kNoNodeMatches) + ": pinned node " + id + " is not enrolled";
      continue;
    }
    if (countOn(call.usage.of(demand.service), i) > 0) continue;
    if (!fits(call.node(i), call.usage.used[i], demand.resources)) {
      ++result.unplaced;
      result.reason =
          std::string(kNoCapacity) + ": pinned node " + id + " lacks " + describe(demand.resources);
      continue;
    }
    call.place(result, i, demand);
  }
  return result;
}

DemandResult scheduleSpread(Call& call, const Demand& demand) {
  DemandResult result;
  const int wanted = demand.global ? 0 : std::max(demand.count, 0);
  if (!demand.global && wanted == 0) return result;
  const Fleet& fleet = call.fleet;
  // The nodes to avoid, by index; those that take work count out of "schedulable".
  std::vector<size_t> avoid;
  for (const auto& id : demand.avoid_nodes) {
    if (size_t i = fleet.find(id); i < fleet.nodes.size()) avoid.push_back(i);
  }
  std::sort(avoid.begin(), avoid.end());
  avoid.erase(std::unique(avoid.begin(), avoid.end()), avoid.end());
  auto avoided = [&](size_t i) { return std::binary_search(avoid.begin(), avoid.end(), i); };
  size_t schedulable = call.schedulable;
  for (size_t i : avoid) schedulable -= call.node(i).schedulable ? 1 : 0;

  // Spread groups are numbered by value order (from the index), so that a tie of instance
  // counts goes to the smaller value; one group when there is no spread.
  const SpreadIndex* index =
      demand.spread_label.empty() ? nullptr : &call.spread(demand.spread_label);
  const auto* of_service = call.usage.of(demand.service);
  size_t matching = 0, lacking_label = 0, taken = 0;
  std::vector<size_t> candidates;  // node indices, in id order
  for (size_t i : call.candidatesFor(demand.selector).nodes) {
    if (avoided(i)) continue;
    ++matching;
    if (index && index->of_node[i] < 0) {
      ++lacking_label;
      continue;
    }
    if ((demand.distinct_hosts || demand.global) && countOn(of_service, i) > 0) {
      if (fits(call.node(i), call.usage.used[i], demand.resources)) ++taken;
      continue;
    }
    candidates.push_back(i);
  }

  if (demand.global) {
    for (size_t i : candidates) {
      if (fits(call.node(i), call.usage.used[i], demand.resources)) {
        call.place(result, i, demand);
      } else {
        ++result.unplaced;
        result.reason = std::string(kNoCapacity) + ": " + std::to_string(result.unplaced) +
                        " matching node(s) lack " + describe(demand.resources);
      }
    }
    if (matching == 0) {
      result.reason = std::string(kNoNodeMatches) + ": none of " + std::to_string(schedulable) +
                      " schedulable node(s) matches the selector";
    }
    return result;
  }

  // Each spread group holds its candidates as a min-heap on (packing score, node index): built
  // in linear time, which matters because a demand looks at every candidate while it places
  // only a few instances. Node indices are in id order, so ties go to the smaller id.
  using Entry = std::pair<int64_t, size_t>;
  struct Group {
    int instances = 0;  // of this service, on any node with this value
    std::vector<Entry> nodes;
  };
  const auto worse = std::greater<Entry>();
  std::vector<Group> groups(index ? index->values.size() : 1);
  if (index && of_service) {
    for (const auto& [node, count] : *of_service) {
      if (int g = index->of_node[node]; g >= 0) groups[g].instances += count;
    }
  }
  for (size_t i : candidates) {
    groups[index ? index->of_node[i] : 0].nodes.emplace_back(
        packScore(call.node(i), call.usage.used[i], demand.resources), i);
  }
  for (auto& g : groups) std::make_heap(g.nodes.begin(), g.nodes.end(), worse);
  // Groups by (instances, value): the next instance goes to the emptiest spread value.
  std::set<std::pair<int, size_t>> order;
  for (size_t g = 0; g < groups.size(); ++g) order.emplace(groups[g].instances, g);

  int placed = 0;
  while (placed < wanted && !order.empty()) {
    auto [instances, g] = *order.begin();
    Group& group = groups[g];
    if (group.nodes.empty()) {
      order.erase(order.begin());
      continue;
    }
    std::pop_heap(group.nodes.begin(), group.nodes.end(), worse);
    const size_t i = group.nodes.back().second;
    group.nodes.pop_back();
    // Usage only grows within a round, so a node that cannot take this request now never will.
    if (!fits(call.node(i), call.usage.used[i], demand.resources)) continue;
    call.place(result, i, demand);
    ++placed;
    order.erase(order.begin());
    ++group.instances;
    order.emplace(group.instances, g);
    if (!demand.distinct_hosts) {
      group.nodes.emplace_back(packScore(call.node(i), call.usage.used[i], demand.resources), i);
      std::push_heap(group.nodes.begin(), group.nodes.end(), worse);
    }
  }
  result.unplaced = wanted - placed;
  if (result.unplaced == 0) return result;
  if (schedulable == 0) {
    result.reason = std::string(kNoNodeMatches) +
                    ": no node takes new instances (active, alive, "
                    "not draining)";
  } else if (matching == 0) {
    result.reason = std::string(kNoNodeMatches) + ": none of " + std::to_string(schedulable) +
                    " schedulable node(s) matches the selector";
  } else if (lacking_label == matching) {
    result.reason = std::string(kNoNodeMatches) + ": no matching node has the spread label '" +
                    demand.spread_label + "'";
  } else if (taken > 0 || (demand.distinct_hosts && placed > 0)) {
    result.reason = std::string(kSpreadExhausted) + ": every matching node with room already " +
                    "runs an instance (distinct_hosts)";
  } else {
    result.reason = std::string(kNoCapacity) + ": none of " + std::to_string(matching) +
                    " matching node(s) has " + describe(demand.resources) + " free";
  }
  return result;
}

bool servedBefore(const Demand& a, const Demand& b) {
  bool ap = !a.pinned_nodes.empty(), bp = !b.pinned_nodes.empty();
  if (ap != bp) return ap;
  if (a.resources.memory_bytes != b.resources.memory_bytes) {
    return a.resources.memory_bytes > b.resources.memory_bytes;
  }
  if (a.resources.cpu_millis != b.resources.cpu_millis) {
    return a.resources.cpu_millis > b.resources.cpu_millis;
  }
  return a.service < b.service;
}

}  // namespace

size_t Fleet::find(const std::string& id) const {
  auto it =
      std::lower_bound(nodes.begin(), nodes.end(), id,
                       [](const SchedulerNode* n, const std::string& x) { return n->id < x; });
  return it != nodes.end() && (*it)->id == id ? static_cast<size_t>(it - nodes.begin())
                                              : nodes.size();
}

std::vector<DemandResult> schedule(const Fleet& fleet,
                                   const std::vector<ExistingAllocation>& existing,
                                   const std::vector<Demand>& demands) {
  Call call{fleet, {}, 0, {}, {}};
  call.usage.used = fleet.held;
  call.usage.used.resize(fleet.nodes.size());
  for (const auto& a : existing) {
    const size_t i = fleet.find(a.node);
    if (i == fleet.nodes.size()) continue;  // a node that is gone holds nothing
    call.usage.used[i].cpu_millis += a.resources.cpu_millis;
    call.usage.used[i].memory_bytes += a.resources.memory_bytes;
    ++call.usage.per_service[a.service][i];
  }
  for (const SchedulerNode* n : fleet.nodes) call.schedulable += n->schedulable ? 1 : 0;
  std::vector<size_t> order(demands.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return servedBefore(demands[a], demands[b]); });
  std::vector<DemandResult> results(demands.size());
  for (size_t d : order) {
    results[d] = demands[d].pinned_nodes.empty() ? scheduleSpread(call, demands[d])
                                                 : schedulePinned(call, demands[d]);
  }
  return results;
}

std::vector<DemandResult> schedule(const std::vector<SchedulerNode>& nodes,
                                   const std::vector<ExistingAllocation>& existing,
                                   const std::vector<Demand>& demands) {
  // In id order; of nodes that share an id, the first (as a map of the nodes would keep).
  std::vector<size_t> sorted(nodes.size());
  std::iota(sorted.begin(), sorted.end(), 0);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](size_t a, size_t b) { return nodes[a].id < nodes[b].id; });
  Fleet fleet;
  fleet.nodes.reserve(nodes.size());
  fleet.held.reserve(nodes.size());
  for (size_t i : sorted) {
    if (!fleet.nodes.empty() && fleet.nodes.back()->id == nodes[i].id) continue;
    fleet.add(nodes[i]);
  }
  return schedule(fleet, existing, demands);
}

}  // namespace photon::coordinator::placement
