// Placement benchmark: the pure scheduler placing 100,000 instances (1,000 services x 100
// replicas, selectors, spread over 50 racks) on 5,000 nodes; then re-placing the 200 instances
// of a node that went missing while 99,800 others hold their capacity; and the memory the
// scheduler uses. Run: scripts/bench 25-placement (figures in docs/benchmarks.md).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "coordinator/placement/scheduler.h"

using namespace photon::coordinator::placement;
using Clock = std::chrono::steady_clock;

namespace {
constexpr int64_t kMiB = int64_t{1} << 20;
constexpr int64_t kGiB = int64_t{1} << 30;

// "VmRSS" or "VmHWM" of this process, in KiB.
long statusKiB(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) return std::stol(line.substr(line.find(':') + 1));
  }
  return -1;
}

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// This thread's CPU time: the machine is shared, wall-clock time moves with its load.
double cpuMs() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

std::string pad(int i, int width) {
  std::string s = std::to_string(i);
  return std::string(width - std::min<int>(width, s.size()), '0') + s;
}
}  // namespace

int main(int argc, char** argv) {
  const int node_count = argc > 1 ? std::atoi(argv[1]) : 5000;
  const int service_count = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int replicas = argc > 3 ? std::atoi(argv[3]) : 100;
  const int racks = 50;

  std::vector<SchedulerNode> nodes;
  nodes.reserve(node_count);
  for (int i = 0; i < node_count; ++i) {
    SchedulerNode n;
    n.id = "node-" + pad(i, 6);
    n.labels["rack"] = "r" + pad(i % racks, 2);
    n.labels["tier"] = i % 2 == 0 ? "gold" : "silver";
    n.class_name = i % 10 == 9 ? "storage" : "compute";
    n.pool = "web";
    n.capacity = {64'000, 256 * kGiB};
    n.schedulable = true;
    nodes.push_back(std::move(n));
  }
  std::vector<Demand> demands;
  for (int s = 0; s < service_count; ++s) {
    Demand d;
    d.service = "svc-" + pad(s, 4);
    d.count = replicas;
    d.resources = {250 + 50 * (s % 5), 512 * kMiB};
    d.spread_label = "rack";
    if (s % 3 == 0) d.selector.labels["tier"] = "gold";
    if (s % 3 == 1) d.selector.class_name = "compute";
    demands.push_back(std::move(d));
  }

  const long rss_before = statusKiB("VmRSS");
  double cpu = cpuMs();
  auto started = Clock::now();
  auto results = schedule(nodes, {}, demands);
  auto took = Clock::now() - started;
  double took_cpu = cpuMs() - cpu;
  const long rss_after = statusKiB("VmRSS");
  const long hwm = statusKiB("VmHWM");

  size_t placed = 0, unplaced = 0;
  std::map<std::string, int> per_node;
  std::vector<ExistingAllocation> existing;
  existing.reserve(static_cast<size_t>(service_count) * replicas + 200);
  for (size_t d = 0; d < demands.size(); ++d) {
    placed += results[d].nodes.size();
    unplaced += results[d].unplaced;
    for (const auto& n : results[d].nodes) {
      ++per_node[n];
      existing.push_back({demands[d].service, n, demands[d].resources});
    }
  }
  int busiest = 0;
  for (const auto& [n, k] : per_node) busiest = std::max(busiest, k);
  std::printf(
      "place: %zu instances (%zu unplaced) of %d services on %d nodes in %.0f ms (CPU %.0f ms): "
      "%.0f placements/s; busiest node %d instances\n",
      placed, unplaced, service_count, node_count, ms(took), took_cpu,
      placed / std::chrono::duration<double>(took).count(), busiest);
  std::printf(
      "scheduler memory: RSS %+ld KiB over the run (input built before), peak RSS %ld "
      "KiB for the whole process\n",
      rss_after - rss_before, hwm);

  // A node that holds 200 instances goes missing: 200 single-replica services put there, then
  // the node stops taking work and its instances are re-placed while everything else holds its
  // capacity, as the controller asks it.
  // The victim: the node with the fewest instances, topped up to 200 below.
  size_t victim_index = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (per_node[nodes[i].id] < per_node[nodes[victim_index].id]) victim_index = i;
  }
  const std::string victim = nodes[victim_index].id;
  std::map<std::string, int> on_victim;
  for (const auto& a : existing) {
    if (a.node == victim) ++on_victim[a.service];
  }
  std::vector<Demand> burst;
  int held = 0;
  for (const auto& [service, count] : on_victim) held += count;
  for (int i = 0; held < 200 && i < 1000; ++i, ++held) {
    Demand d;
    d.service = "burst-" + pad(i, 3);
    d.count = 1;
    d.resources = {100, 256 * kMiB};
    d.spread_label = "rack";
    existing.push_back({d.service, victim, d.resources});
    on_victim[d.service] = 1;
    burst.push_back(std::move(d));
  }
  nodes[victim_index].schedulable = false;
  std::vector<ExistingAllocation> survivors;
  survivors.reserve(existing.size());
  for (const auto& a : existing) {
    if (a.node != victim) survivors.push_back(a);
  }
  std::map<std::string, const Demand*> spec_of;
  for (const auto& d : demands) spec_of[d.service] = &d;
  for (const auto& d : burst) spec_of[d.service] = &d;
  std::vector<Demand> replace;
  int lost = 0;
  for (const auto& [service, count] : on_victim) {
    Demand d = *spec_of.at(service);
    d.count = count;
    lost += count;
    replace.push_back(std::move(d));
  }
  cpu = cpuMs();
  started = Clock::now();
  auto replaced = schedule(nodes, survivors, replace);
  took = Clock::now() - started;
  took_cpu = cpuMs() - cpu;
  size_t moved = 0;
  bool stayed_off = true;
  for (const auto& r : replaced) {
    moved += r.nodes.size();
    for (const auto& n : r.nodes) stayed_off = stayed_off && n != victim;
  }
  std::printf(
      "failover, every allocation listed: %d instances of a missing node re-placed (%zu "
      "placed%s) among %zu others in %.1f ms (CPU %.1f ms)\n",
      lost, moved, stayed_off ? ", none on the missing node" : ", SOME ON THE MISSING NODE",
      survivors.size(), ms(took), took_cpu);

  // The same as the placement controller asks it: the fleet (nodes in id order, as its world
  // keeps them) with the capacity held by services no demand is for already summed per node
  // (the world keeps those totals as placements change), and only the demanded services'
  // allocations listed.
  std::map<std::string, Resources> held_by_node;
  std::vector<ExistingAllocation> demanded;
  for (const auto& a : survivors) {
    if (on_victim.contains(a.service)) {
      demanded.push_back(a);
      continue;
    }
    Resources& r = held_by_node[a.node];
    r.cpu_millis += a.resources.cpu_millis;
    r.memory_bytes += a.resources.memory_bytes;
  }
  std::map<std::string, const SchedulerNode*> by_id;
  for (const auto& n : nodes) by_id[n.id] = &n;
  cpu = cpuMs();
  started = Clock::now();
  Fleet fleet;
  fleet.nodes.reserve(by_id.size());
  fleet.held.reserve(by_id.size());
  auto at = held_by_node.begin();
  for (const auto& [id, n] : by_id) {
    while (at != held_by_node.end() && at->first < id) ++at;
    fleet.add(*n, at != held_by_node.end() && at->first == id ? at->second : Resources{});
  }
  auto kept = schedule(fleet, demanded, replace);
  took = Clock::now() - started;
  took_cpu = cpuMs() - cpu;
  bool same = kept.size() == replaced.size();
  for (size_t i = 0; same && i < kept.size(); ++i) {
    same = kept[i].nodes == replaced[i].nodes && kept[i].unplaced == replaced[i].unplaced &&
           kept[i].reason == replaced[i].reason;
  }
  std::printf(
      "failover, held capacity kept per node (as the controller): %zu demanded allocations "
      "listed, in %.1f ms (CPU %.1f ms); %s\n",
      demanded.size(), ms(took), took_cpu, same ? "the same placements" : "DIFFERENT PLACEMENTS");
  return unplaced == 0 && stayed_off && same && moved == static_cast<size_t>(lost) ? 0 : 1;
}
