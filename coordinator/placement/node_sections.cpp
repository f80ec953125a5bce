#include "coordinator/placement/node_sections.h"

#include <algorithm>
#include <set>

namespace photon::coordinator::placement {

std::map<std::string, Json> unitsByNode(const std::vector<PlacedService>& services) {
  std::map<std::string, std::map<std::string, Json>> sorted;
  for (const auto& [spec, state] : services) {
    for (const auto& a : state->allocations) {
      if (a.lost) continue;
      auto t = state->templates.find(a.revision);
      if (t == state->templates.end() || !t->second["instance"].is_object()) continue;
      Json entry = t->second["instance"];
      entry["name"] = a.name;
      entry["service"] = spec->name;
      entry["revision"] = a.revision;
      const Json& r = t->second["resources"];
      Json resources = Json::object();
      if (r.value("cpu_millis", int64_t{0}) > 0) resources["cpu_millis"] = r["cpu_millis"];
      if (r.value("memory_bytes", int64_t{0}) > 0) resources["memory_bytes"] = r["memory_bytes"];
      if (!resources.empty()) entry["resources"] = resources;
      entry[kPlacedBy] = "placement";
      sorted[a.node][a.name] = std::move(entry);
    }
  }
  std::map<std::string, Json> out;
  for (auto& [node, entries] : sorted) {
    Json list = Json::array();
    for (auto& [name, entry] : entries) list.push_back(std::move(entry));
    out[node] = std::move(list);
  }
  return out;
}

Json mergeUnits(const Json& current, const Json& ours) {
  Json out = Json::array();
  if (current.is_array()) {
    for (const auto& entry : current) {
      if (!(entry.is_object() && entry.contains(kPlacedBy))) out.push_back(entry);
    }
  }
  if (ours.is_array()) {
    for (const auto& entry : ours) out.push_back(entry);
  }
  return out;
}

std::map<std::string, std::vector<std::string>> servicesByNode(
    const std::vector<PlacedService>& services) {
  std::map<std::string, std::set<std::string>> sets;
  for (const auto& [spec, state] : services) {
    for (const auto& a : state->allocations) {
      if (!a.lost) sets[a.node].insert(spec->name);
    }
  }
  std::map<std::string, std::vector<std::string>> out;
  for (auto& [node, names] : sets) out[node] = {names.begin(), names.end()};
  return out;
}

Json bgpSection(const common::Cluster& cluster, const std::string& declared_name,
                const std::vector<std::string>& services) {
  if (declared_name.empty()) return nullptr;
  auto bgp = cluster.extra.find("bgp");
  if (bgp == cluster.extra.end() || !bgp->is_object()) return nullptr;
  auto nodes = bgp->find("nodes");
  if (nodes == bgp->end() || !nodes->is_object()) return nullptr;
  auto base = nodes->find(declared_name);
  if (base == nodes->end() || !base->is_object()) return nullptr;
  Json section = *base;
  std::map<std::string, Json> vips;  // by address: sorted, one each
  if (auto list = cluster.extra.find("vips"); list != cluster.extra.end() && list->is_array()) {
    for (const auto& v : *list) {
      if (!v.is_object() || !v.contains("address") || !v.contains("service")) continue;
      if (!v["address"].is_string() || !v["service"].is_string()) continue;
      std::string service = v["service"];
      if (!std::binary_search(services.begin(), services.end(), service)) continue;
      vips[v["address"].get<std::string>()] = {{"address", v["address"]}, {"service", service}};
    }
  }
  section["vips"] = Json::array();
  for (auto& [address, v] : vips) section["vips"].push_back(std::move(v));
  return section;
}

}  // namespace photon::coordinator::placement
