#include "coordinator/placement/node_sections.h"

#include <algorithm>

namespace photon::coordinator::placement {

std::map<std::string, NodeShare> sharesByNode(const std::vector<PlacedService>& services) {
  std::map<std::string, NodeShare> out;
  for (const auto& placed : services) {
    for (const auto& a : placed.state->allocations) {
      if (!a.lost) out[a.node].allocations.emplace_back(&placed, &a);
    }
  }
  for (auto& [node, share] : out) {
    std::sort(share.allocations.begin(), share.allocations.end(),
              [](const auto& x, const auto& y) { return x.second->name < y.second->name; });
  }
  return out;
}

std::string signature(const NodeShare& share) {
  std::string out;
  for (const auto& [placed, a] : share.allocations) {
    out += placed->spec->name + "/" + a->name + "@" + a->revision + ";";
  }
  return out;
}

std::set<std::string> nodesWhoseShareMoved(const PlacementState& before,
                                           const PlacementState& after) {
  // What the signature holds of each live allocation, by node.
  auto live = [](const PlacementState& s) {
    std::map<std::string, std::set<std::pair<std::string, std::string>>> out;
    for (const auto& a : s.allocations) {
      if (!a.lost) out[a.node].emplace(a.name, a.revision);
    }
    return out;
  };
  auto was = live(before), is = live(after);
  std::set<std::string> moved;
  for (const auto& [node, held] : was) {
    auto now = is.find(node);
    if (now == is.end() || now->second != held) moved.insert(node);
  }
  for (const auto& [node, held] : is) {
    if (!was.contains(node)) moved.insert(node);
  }
  return moved;
}

Json unitsSection(const NodeShare& share) {
  Json list = Json::array();
  for (const auto& [placed, a] : share.allocations) {
    const auto& templates = placed->state->templates;
    auto t = templates.find(a->revision);
    if (t == templates.end() || !t->second["instance"].is_object()) continue;
    Json entry = t->second["instance"];
    entry["name"] = a->name;
    entry["service"] = placed->spec->name;
    entry["revision"] = a->revision;
    const Json& r = t->second["resources"];
    Json resources = Json::object();
    if (r.value("cpu_millis", int64_t{0}) > 0) resources["cpu_millis"] = r["cpu_millis"];
    if (r.value("memory_bytes", int64_t{0}) > 0) resources["memory_bytes"] = r["memory_bytes"];
    if (!resources.empty()) entry["resources"] = resources;
    entry[kPlacedBy] = "placement";
    list.push_back(std::move(entry));
  }
  return list;
}

std::vector<std::string> servicesOf(const NodeShare& share) {
  std::set<std::string> names;
  for (const auto& [placed, a] : share.allocations) names.insert(placed->spec->name);
  return {names.begin(), names.end()};
}

Json mergeUnits(const Json& current, const Json& ours) {
  // Nothing of ours there and nothing to add: the section is the operator's, whatever its shape.
  auto is_ours = [](const Json& e) { return e.is_object() && e.contains(kPlacedBy); };
  bool holds_ours = current.is_array() && std::any_of(current.begin(), current.end(), is_ours);
  if (!holds_ours && (!ours.is_array() || ours.empty())) return current;
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
