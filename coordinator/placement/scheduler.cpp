#include "coordinator/placement/scheduler.h"

#include <algorithm>
#include <functional>
#include <numeric>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace photon::coordinator::placement {
namespace {

struct Usage {
  std::vector<Resources> used;  // by node index
  // Instances per service per node index.
  std::unordered_map<std::string, std::unordered_map<size_t, int>> per_service;

  int count(const std::string& service, size_t node) const {
    auto s = per_service.find(service);
    if (s == per_service.end()) return 0;
    auto n = s->second.find(node);
    return n == s->second.end() ? 0 : n->second;
  }
};

// The values of one spread label over all nodes, sorted, and each node's value index (-1: the
// node lacks the label). Built once per label per schedule() call, not per demand.
struct SpreadIndex {
  std::vector<std::string> values;
  std::vector<int> of_node;
};

SpreadIndex buildSpreadIndex(const std::vector<SchedulerNode>& nodes, const std::string& label) {
  SpreadIndex index;
  std::map<std::string, int> ids;
  for (const auto& n : nodes) {
    if (auto it = n.labels.find(label); it != n.labels.end()) ids.emplace(it->second, 0);
  }
  for (auto& [value, id] : ids) {
    id = static_cast<int>(index.values.size());
    index.values.push_back(value);
  }
  index.of_node.reserve(nodes.size());
  for (const auto& n : nodes) {
    auto it = n.labels.find(label);
    index.of_node.push_back(it == n.labels.end() ? -1 : ids[it->second]);
  }
  return index;
}

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

void place(Usage& usage, DemandResult& result, const SchedulerNode& node, size_t index,
           const Demand& demand) {
  usage.used[index].cpu_millis += demand.resources.cpu_millis;
  usage.used[index].memory_bytes += demand.resources.memory_bytes;
  ++usage.per_service[demand.service][index];
  result.nodes.push_back(node.id);
}

DemandResult schedulePinned(const std::vector<SchedulerNode>& nodes,
                            const std::unordered_map<std::string, size_t>& by_id, Usage& usage,
                            const Demand& demand) {
  DemandResult result;
  std::set<std::string> seen;
  for (const auto& id : demand.pinned_nodes) {
    if (!seen.insert(id).second) continue;
    auto it = by_id.find(id);
    if (it == by_id.end()) {
      ++result.unplaced;
      result.reason = std::string(kNoNodeMatches) + ": pinned node " + id + " is not enrolled";
      continue;
    }
    if (usage.count(demand.service, it->second) > 0) continue;
    if (!fits(nodes[it->second], usage.used[it->second], demand.resources)) {
      ++result.unplaced;
      result.reason =
          std::string(kNoCapacity) + ": pinned node " + id + " lacks " + describe(demand.resources);
      continue;
    }
    place(usage, result, nodes[it->second], it->second, demand);
  }
  return result;
}

// `id_order` lists node indices in id order: candidates are taken in that order and ranked by it,
// so that ties go to the smaller id whatever order the nodes came in.
DemandResult scheduleSpread(const std::vector<SchedulerNode>& nodes,
                            const std::vector<size_t>& id_order, Usage& usage, const Demand& demand,
                            const std::function<const SpreadIndex&(const std::string&)>& spread) {
  DemandResult result;
  const int wanted = demand.global ? 0 : std::max(demand.count, 0);
  if (!demand.global && wanted == 0) return result;
  std::unordered_set<std::string> avoid(demand.avoid_nodes.begin(), demand.avoid_nodes.end());

  size_t schedulable = 0, matching = 0, lacking_label = 0, taken = 0;
  std::vector<size_t> candidates;  // ranks
  for (size_t rank = 0; rank < id_order.size(); ++rank) {
    const size_t i = id_order[rank];
    const auto& n = nodes[i];
    if (!n.schedulable || avoid.contains(n.id)) continue;
    ++schedulable;
    if (!demand.selector.matches(n)) continue;
    ++matching;
    if (!demand.spread_label.empty() && !n.labels.contains(demand.spread_label)) {
      ++lacking_label;
      continue;
    }
    if ((demand.distinct_hosts || demand.global) && usage.count(demand.service, i) > 0) {
      if (fits(n, usage.used[i], demand.resources)) ++taken;
      continue;
    }
    candidates.push_back(rank);
  }

  if (demand.global) {
    for (size_t rank : candidates) {
      const size_t i = id_order[rank];
      if (fits(nodes[i], usage.used[i], demand.resources)) {
        place(usage, result, nodes[i], i, demand);
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

  // Spread groups: one per value of the spread label (one group when there is no spread),
  // holding its candidate nodes ordered by packing score.
  // Candidates as a min-heap on (score, rank): built in linear time, which matters because every
  // demand looks at every node while it places only a few instances.
  using Entry = std::pair<int64_t, size_t>;
  struct Group {
    std::string value;
    int instances = 0;  // of this service, on any node with this value
    std::vector<Entry> nodes;
  };
  const auto worse = std::greater<Entry>();
  // Groups numbered by value order (from the index), so that a tie of instance counts goes to
  // the smaller value; one group when there is no spread.
  const SpreadIndex* index = demand.spread_label.empty() ? nullptr : &spread(demand.spread_label);
  std::vector<Group> groups(index ? index->values.size() : 1);
  if (index) {
    for (size_t g = 0; g < groups.size(); ++g) groups[g].value = index->values[g];
    if (auto s = usage.per_service.find(demand.service); s != usage.per_service.end()) {
      for (const auto& [node, count] : s->second) {
        if (int g = index->of_node[node]; g >= 0) groups[g].instances += count;
      }
    }
  }
  for (size_t rank : candidates) {
    const size_t i = id_order[rank];
    groups[index ? index->of_node[i] : 0].nodes.emplace_back(
        packScore(nodes[i], usage.used[i], demand.resources), rank);
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
    const size_t rank = group.nodes.back().second;
    const size_t i = id_order[rank];
    group.nodes.pop_back();
    // Usage only grows within a round, so a node that cannot take this request now never will.
    if (!fits(nodes[i], usage.used[i], demand.resources)) continue;
    place(usage, result, nodes[i], i, demand);
    ++placed;
    order.erase(order.begin());
    ++group.instances;
    order.emplace(group.instances, g);
    if (!demand.distinct_hosts) {
      group.nodes.emplace_back(packScore(nodes[i], usage.used[i], demand.resources), rank);
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

std::vector<DemandResult> schedule(const std::vector<SchedulerNode>& nodes,
                                   const std::vector<ExistingAllocation>& existing,
                                   const std::vector<Demand>& demands) {
  std::unordered_map<std::string, size_t> by_id;
  by_id.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) by_id.emplace(nodes[i].id, i);
  Usage usage;
  usage.used.resize(nodes.size());
  for (const auto& a : existing) {
    auto it = by_id.find(a.node);
    if (it == by_id.end()) continue;  // a node that is gone holds nothing
    usage.used[it->second].cpu_millis += a.resources.cpu_millis;
    usage.used[it->second].memory_bytes += a.resources.memory_bytes;
    ++usage.per_service[a.service][it->second];
  }
  std::vector<size_t> sorted(nodes.size());
  std::iota(sorted.begin(), sorted.end(), 0);
  std::sort(sorted.begin(), sorted.end(),
            [&](size_t a, size_t b) { return nodes[a].id < nodes[b].id; });
  std::vector<size_t> order(demands.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return servedBefore(demands[a], demands[b]); });
  std::map<std::string, SpreadIndex> spread_indexes;
  auto spread = [&](const std::string& label) -> const SpreadIndex& {
    auto it = spread_indexes.find(label);
    if (it == spread_indexes.end()) {
      it = spread_indexes.emplace(label, buildSpreadIndex(nodes, label)).first;
    }
    return it->second;
  };
  std::vector<DemandResult> results(demands.size());
  for (size_t d : order) {
    results[d] = demands[d].pinned_nodes.empty()
                     ? scheduleSpread(nodes, sorted, usage, demands[d], spread)
                     : schedulePinned(nodes, by_id, usage, demands[d]);
  }
  return results;
}

}  // namespace photon::coordinator::placement
