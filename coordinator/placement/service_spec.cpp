#include "coordinator/placement/service_spec.h"

#include <cstdio>
#include <set>

#include "common/validate.h"

namespace photon::coordinator::placement {
namespace {
using common::invalid;
using common::joinPath;

constexpr int64_t kMaxCpuMillis = 1'024'000;      // the units domain's bounds
constexpr int64_t kMinMemory = int64_t{1} << 20;  // 1 MiB
constexpr int64_t kMaxMemory = int64_t{1} << 42;  // 4 TiB

const std::set<std::string> kServiceKeys = {"name",           "replicas",  "global",
                                            "selector",       "resources", "spread",
                                            "distinct_hosts", "update",    "instance"};
// Placement writes these into every instance itself.
const std::set<std::string> kReservedInstanceKeys = {"name", "service", "revision", "resources"};

common::Status checkKnown(const Json& j, const std::set<std::string>& known,
                          const std::string& path) {
  for (const auto& [key, value] : j.items()) {
    if (!known.contains(key)) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return invalid(joinPath(path, key), "unknown field (known: " + list + ")");
    }
  }
  return {};
}

common::Status checkServiceName(const std::string& name, const std::string& field) {
  PHOTON_CHECK(common::checkName(field, name));
  if (name.size() > kMaxServiceName) {
    return invalid(field, "at most " + std::to_string(kMaxServiceName) +
                              " characters (instance names add a suffix)");
  }
  return {};
}

// A service's selector is the common one without "nodes": pinned nodes are a core service's.
Result<Selector> selectorFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(common::requireObject(j, path));
  PHOTON_CHECK(checkKnown(j, {"labels", "class", "pool"}, path));
  return parseSelector(j, path);
}

Result<Resources> resourcesFromJson(const Json& j, const std::string& path, bool required) {
  PHOTON_CHECK(common::requireObject(j, path));
  PHOTON_CHECK(checkKnown(j, {"cpu_millis", "memory_bytes"}, path));
  Resources r;
  if (required) {
    PHOTON_TRY(r.cpu_millis, common::readInt(j, "cpu_millis", path, 1, kMaxCpuMillis));
    PHOTON_TRY(r.memory_bytes, common::readInt(j, "memory_bytes", path, kMinMemory, kMaxMemory));
  } else {
    PHOTON_TRY(r.cpu_millis, common::readInt(j, "cpu_millis", path, 0, kMaxCpuMillis, 0));
    PHOTON_TRY(r.memory_bytes, common::readInt(j, "memory_bytes", path, 0, kMaxMemory, 0));
  }
  return r;
}

common::Status checkArgv(const Json& j, const std::string& key, const std::string& path) {
  PHOTON_TRY(auto argv, common::readStringList(j, key, path));
  if (argv.empty()) return {};
  if (argv[0].empty() || argv[0][0] != '/') {
    return invalid(joinPath(path, key) + "[0]", "must be an absolute path");
  }
  return {};
}

// The instance template: its shape here; every detail is checked again by the agent, which
// refuses a bad instance on its own and says so in the observed state.
common::Status checkInstance(const Json& j, const std::string& path) {
  PHOTON_CHECK(common::requireObject(j, path));
  for (const auto& key : kReservedInstanceKeys) {
    if (j.contains(key)) {
      return invalid(joinPath(path, key),
                     "is set by placement (the service's " +
                         std::string(key == "resources" ? "resources" : "name") + ")");
    }
  }
  PHOTON_TRY(auto kind, common::readString(j, "kind", path, "process"));
  if (kind != "process" && kind != "container") {
    return invalid(joinPath(path, "kind"), "must be process or container");
  }
  PHOTON_CHECK(checkArgv(j, "exec", path));
  if (kind == "process" && (!j.contains("exec") || j["exec"].empty())) {
    return invalid(joinPath(path, "exec"), "is required for a process");
  }
  if (kind == "container") {
    PHOTON_TRY(auto image, common::readString(j, "image", path));
    PHOTON_CHECK(common::checkName(joinPath(path, "image"), image));
  }
  PHOTON_TRY(auto env, common::readObject(j, "env", path));
  if (env.size() > 256) return invalid(joinPath(path, "env"), "has more than 256 variables");
  for (const auto& [k, v] : env.items()) {
    if (!v.is_string()) return invalid(joinPath(joinPath(path, "env"), k), "must be a string");
  }
  PHOTON_TRY(auto user, common::readString(j, "user", path, ""));
  PHOTON_TRY(auto restart, common::readString(j, "restart", path, "on-failure"));
  if (restart != "always" && restart != "on-failure" && restart != "no") {
    return invalid(joinPath(path, "restart"), "must be always, on-failure or no");
  }
  if (j.contains("health") && !j["health"].is_null()) {
    PHOTON_TRY(auto health, common::readObject(j, "health", path));
    int kinds = 0;
    for (const char* k : {"http", "tcp", "exec"}) {
      if (health.contains(k) && !health[k].is_null()) ++kinds;
    }
    if (kinds != 1)
      return invalid(joinPath(path, "health"), "needs exactly one of http, tcp, exec");
  }
  if (j.dump().size() > 64 * 1024) return invalid(path, "is larger than 64 KiB");
  return {};
}

// FNV-1a, 64 bits: stable across runs and builds, unlike std::hash.
uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}
}  // namespace

Result<ServiceSpec> serviceFromJson(const Json& j, const std::string& name) {
  PHOTON_CHECK(common::requireObject(j, ""));
  PHOTON_CHECK(checkKnown(j, kServiceKeys, ""));
  ServiceSpec s;
  s.name = name;
  PHOTON_CHECK(checkServiceName(name, "name"));
  if (j.contains("name") && !(j["name"].is_string() && j["name"] == name)) {
    return invalid("name", "must be the name in the path ('" + name + "') or absent");
  }
  PHOTON_TRY(s.global, common::readBool(j, "global", "", false));
  bool has_replicas = j.contains("replicas") && !j["replicas"].is_null();
  if (s.global && has_replicas) return invalid("replicas", "a global service has no replicas");
  if (!s.global) {
    if (!has_replicas) return invalid("replicas", "is required (or \"global\": true)");
    PHOTON_TRY(s.replicas, common::readInt(j, "replicas", "", 0, kMaxReplicas));
  }
  PHOTON_TRY(Json selector, common::readObject(j, "selector", ""));
  PHOTON_TRY(s.selector, selectorFromJson(selector, "selector"));
  if (!j.contains("resources"))
    return invalid("resources", "is required (cpu_millis, memory_bytes)");
  PHOTON_TRY(Json resources, common::readObject(j, "resources", ""));
  PHOTON_TRY(s.resources, resourcesFromJson(resources, "resources", true));
  PHOTON_TRY(Json spread, common::readObject(j, "spread", ""));
  PHOTON_CHECK(checkKnown(spread, {"label"}, "spread"));
  PHOTON_TRY(s.spread_label, common::readString(spread, "label", "spread", ""));
  if (!s.spread_label.empty() && !common::isValidLabelKey(s.spread_label)) {
    return invalid("spread.label", "is not a label key");
  }
  PHOTON_TRY(s.distinct_hosts, common::readBool(j, "distinct_hosts", "", false));
  PHOTON_TRY(Json update, common::readObject(j, "update", ""));
  PHOTON_CHECK(checkKnown(update, {"max_parallel", "min_healthy_s", "auto_revert"}, "update"));
  PHOTON_TRY(s.update.max_parallel, common::readInt(update, "max_parallel", "update", 1, 1000, 1));
  PHOTON_TRY(s.update.min_healthy_s,
             common::readInt(update, "min_healthy_s", "update", 0, 3600, 10));
  PHOTON_TRY(s.update.auto_revert, common::readBool(update, "auto_revert", "update", true));
  if (!j.contains("instance")) return invalid("instance", "is required (the units instance)");
  s.instance = j["instance"];
  PHOTON_CHECK(checkInstance(s.instance, "instance"));
  return s;
}

Result<ServiceSpec> coreServiceFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(common::requireObject(j, path));
  ServiceSpec s;
  PHOTON_TRY(s.name, common::readString(j, "name", path));
  PHOTON_CHECK(checkServiceName(s.name, joinPath(path, "name")));
  PHOTON_TRY(s.pinned, common::readStringList(j, "nodes", path));
  if (s.pinned.empty()) return invalid(joinPath(path, "nodes"), "pins the service to no node");
  for (size_t i = 0; i < s.pinned.size(); ++i) {
    PHOTON_CHECK(
        common::checkName(joinPath(path, "nodes") + "[" + std::to_string(i) + "]", s.pinned[i]));
  }
  PHOTON_TRY(Json resources, common::readObject(j, "resources", path));
  PHOTON_TRY(s.resources, resourcesFromJson(resources, joinPath(path, "resources"), false));
  if (j.contains("instance") && !j["instance"].is_null()) {
    s.instance = j["instance"];
    PHOTON_CHECK(checkInstance(s.instance, joinPath(path, "instance")));
  }
  s.replicas = static_cast<int64_t>(s.pinned.size());
  return s;
}

Json toJson(const ServiceSpec& s) {
  Json j = {{"name", s.name}};
  if (s.core()) {
    j["nodes"] = s.pinned;
  } else if (s.global) {
    j["global"] = true;
  } else {
    j["replicas"] = s.replicas;
  }
  j["selector"] = coordinator::toJson(s.selector);
  j["resources"] = {{"cpu_millis", s.resources.cpu_millis},
                    {"memory_bytes", s.resources.memory_bytes}};
  j["spread"] = s.spread_label.empty() ? Json::object() : Json{{"label", s.spread_label}};
  j["distinct_hosts"] = s.distinct_hosts;
  j["update"] = {{"max_parallel", s.update.max_parallel},
                 {"min_healthy_s", s.update.min_healthy_s},
                 {"auto_revert", s.update.auto_revert}};
  j["instance"] = s.instance;
  return j;
}

std::string instanceRevision(const ServiceSpec& spec) {
  // nlohmann's objects are ordered maps: the dump is canonical.
  Json what = {{"instance", spec.instance},
               {"cpu_millis", spec.resources.cpu_millis},
               {"memory_bytes", spec.resources.memory_bytes}};
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(what.dump())));
  return buf;
}

CoreServices coreServicesOf(const common::Cluster& cluster) {
  CoreServices out;
  auto it = cluster.extra.find("core_services");
  if (it == cluster.extra.end() || it->is_null()) return out;
  if (!it->is_array()) {
    out.errors.push_back(
        common::Error{common::ErrorCode::kInvalid, "must be a list", "core_services", {}});
    return out;
  }
  std::set<std::string> names;
  for (size_t i = 0; i < it->size(); ++i) {
    auto path = "core_services[" + std::to_string(i) + "]";
    auto spec = coreServiceFromJson((*it)[i], path);
    if (!spec) {
      out.errors.push_back(spec.error());
    } else if (!names.insert(spec->name).second) {
      out.errors.push_back(common::Error{common::ErrorCode::kInvalid,
                                         "duplicate core service '" + spec->name + "'",
                                         path + ".name",
                                         {}});
    } else {
      out.services.push_back(std::move(*spec));
    }
  }
  return out;
}

FleetShape FleetShape::of(const std::vector<SchedulerNode>& nodes) {
  FleetShape shape;
  for (const auto& n : nodes) {
    for (const auto& [key, value] : n.labels) shape.label_keys.insert(key);
    if (!capacityKnown(n.capacity.cpu_millis, n.capacity.memory_bytes)) continue;
    shape.any_capacity = true;
    shape.max_cpu_millis = std::max(shape.max_cpu_millis, n.capacity.cpu_millis);
    shape.max_memory_bytes = std::max(shape.max_memory_bytes, n.capacity.memory_bytes);
  }
  return shape;
}

Result<SpecCheck> checkAgainstCluster(const ServiceSpec& spec, const common::Cluster& cluster,
                                      const FleetShape& nodes) {
  SpecCheck check;
  const auto& sel = spec.selector;
  if (!sel.class_name.empty()) {
    bool known = false;
    std::string list;
    for (const auto& c : cluster.classes) {
      known = known || c.name == sel.class_name;
      list += (list.empty() ? "" : ", ") + c.name;
    }
    if (!known) {
      return invalid("selector.class",
                     "unknown class '" + sel.class_name + "' (declared: " + list + ")");
    }
  }
  if (!sel.pool.empty() && !cluster.findPool(sel.pool)) {
    std::string list;
    for (const auto& p : cluster.pools) list += (list.empty() ? "" : ", ") + p.name;
    return invalid("selector.pool", "unknown pool '" + sel.pool + "' (declared: " + list + ")");
  }
  for (const auto& core : coreServicesOf(cluster).services) {
    if (core.name == spec.name) {
      return common::fail(common::ErrorCode::kConflict,
                          "'" + spec.name + "' is a core service of the cluster declaration",
                          "name");
    }
  }
  // Resources no node could ever hold: refused while there are nodes to compare with.
  const bool any = nodes.any_capacity;
  const int64_t max_cpu = nodes.max_cpu_millis, max_memory = nodes.max_memory_bytes;
  if (any && spec.resources.cpu_millis > max_cpu) {
    return invalid("resources.cpu_millis",
                   "exceeds the largest node's capacity (" + std::to_string(max_cpu) + " millis)");
  }
  if (any && spec.resources.memory_bytes > max_memory) {
    return invalid("resources.memory_bytes", "exceeds the largest node's capacity (" +
                                                 std::to_string(max_memory) + " bytes)");
  }
  for (const auto& [key, value] : sel.labels) {
    if (!nodes.label_keys.contains(key)) {
      check.warnings.push_back("selector.labels." + key + ": no node has this label yet");
    }
  }
  if (!spec.spread_label.empty()) {
    if (!nodes.label_keys.contains(spec.spread_label)) {
      check.warnings.push_back("spread.label: no node has the label '" + spec.spread_label +
                               "' yet; nodes without it take no instance");
    }
  }
  return check;
}

}  // namespace photon::coordinator::placement
