#include "common/api/cluster.h"

#include <algorithm>
#include <cstdlib>
#include <set>

#include "common/api/bgp_session.h"

namespace photon::common {
namespace {
const std::set<std::string> kKnownSections = {"name", "classes", "pools", "rules", "settings"};

std::string indexed(const std::string& field, size_t i) {
  return field + "[" + std::to_string(i) + "]";
}

Result<NodeClass> classFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  NodeClass c;
  PHOTON_TRY(c.name, readString(j, "name", path));
  PHOTON_CHECK(checkName(joinPath(path, "name"), c.name));
  PHOTON_TRY(c.labels, readLabels(j, "labels", path));
  return c;
}

Result<uint32_t> readIpv4(const Json& j, const std::string& key, const std::string& path) {
  PHOTON_TRY(std::string text, readString(j, key, path));
  auto address = parseIpv4(text);
  if (!address) return invalid(joinPath(path, key), "is not an IPv4 address");
  return *address;
}

Result<Pool> poolFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  Pool p;
  PHOTON_TRY(p.name, readString(j, "name", path));
  PHOTON_CHECK(checkName(joinPath(path, "name"), p.name));
  PHOTON_TRY(p.cidr, readString(j, "cidr", path));
  auto cidr = parseIpv4Cidr(p.cidr);
  if (!cidr) return invalid(joinPath(path, "cidr"), "is not an IPv4 network like 10.0.1.0/24");
  PHOTON_TRY(p.range_start, readIpv4(j, "range_start", path));
  PHOTON_TRY(p.range_end, readIpv4(j, "range_end", path));
  if (!cidr->contains(p.range_start)) return invalid(joinPath(path, "range_start"), "outside cidr");
  if (!cidr->contains(p.range_end)) return invalid(joinPath(path, "range_end"), "outside cidr");
  if (p.range_end < p.range_start) {
    return invalid(joinPath(path, "range_end"), "comes before range_start");
  }
  PHOTON_TRY(p.gateway, readString(j, "gateway", path, ""));
  if (!p.gateway.empty()) {
    auto gw = parseIpv4(p.gateway);
    if (!gw || !cidr->contains(*gw)) {
      return invalid(joinPath(path, "gateway"), "must be an IPv4 address inside cidr");
    }
    if (*gw >= p.range_start && *gw <= p.range_end) {
      return invalid(joinPath(path, "gateway"), "lies inside the allocation range");
    }
  }
  PHOTON_TRY(p.hostname_pattern, readString(j, "hostname_pattern", path, "{pool}-{index}"));
  if (p.hostname_pattern.find("{index}") == std::string::npos) {
    return invalid(joinPath(path, "hostname_pattern"), "must contain {index}");
  }
  PHOTON_TRY(p.disk_layout, readString(j, "disk_layout", path, ""));
  if (!p.disk_layout.empty() && !isValidDiskLayout(p.disk_layout)) {
    return invalid(joinPath(path, "disk_layout"),
                   "must be a layout name (1-63 characters of [A-Za-z0-9._-], not starting "
                   "with '.'), never a path");
  }
  PHOTON_TRY(p.profile, readString(j, "profile", path, ""));
  return p;
}

Result<RuleMatch> matchFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  RuleMatch m;
  if (j.contains("machine_id")) {
    PHOTON_TRY(std::string id, readString(j, "machine_id", path));
    if (!isValidMachineId(id)) return invalid(joinPath(path, "machine_id"), "is not a machine-id");
    m.machine_id = id;
  }
  PHOTON_TRY(auto macs, readStringList(j, "macs", path));
  for (size_t i = 0; i < macs.size(); ++i) {
    auto mac = normalizeMac(macs[i]);
    if (!mac) return invalid(indexed(joinPath(path, "macs"), i), "is not a MAC address");
    m.macs.push_back(*mac);
  }
  PHOTON_TRY(auto bmc_macs, readStringList(j, "bmc_macs", path));
  for (size_t i = 0; i < bmc_macs.size(); ++i) {
    auto mac = normalizeMac(bmc_macs[i]);
    if (!mac) return invalid(indexed(joinPath(path, "bmc_macs"), i), "is not a MAC address");
    m.bmc_macs.push_back(*mac);
  }
  PHOTON_TRY(Json dmi, readObject(j, "dmi", path));
  auto dmi_path = joinPath(path, "dmi");
  PHOTON_TRY(m.dmi_vendor, readString(dmi, "vendor", dmi_path, ""));
  PHOTON_TRY(m.dmi_product, readString(dmi, "product", dmi_path, ""));
  PHOTON_TRY(m.dmi_serial, readString(dmi, "serial", dmi_path, ""));
  if (j.contains("min_cores")) {
    PHOTON_TRY(m.min_cores, readInt(j, "min_cores", path, 0, 1 << 20));
  }
  if (j.contains("min_memory_bytes")) {
    PHOTON_TRY(m.min_memory_bytes, readInt(j, "min_memory_bytes", path, 0, INT64_MAX));
  }
  if (j.contains("virtualization")) {
    PHOTON_TRY(m.virtualization, readBool(j, "virtualization", path));
  }
  if (j.contains("min_disks")) {
    PHOTON_TRY(m.min_disks, readInt(j, "min_disks", path, 0, 256));
  }
  PHOTON_TRY(m.labels, readLabels(j, "labels", path));
  return m;
}

Result<EnrollmentRule> ruleFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  EnrollmentRule r;
  PHOTON_TRY(r.name, readString(j, "name", path));
  PHOTON_CHECK(checkName(joinPath(path, "name"), r.name));
  PHOTON_TRY(r.priority, readInt(j, "priority", path, -1000000, 1000000, 0));
  PHOTON_TRY(Json match, readObject(j, "match", path));
  PHOTON_TRY(r.match, matchFromJson(match, joinPath(path, "match")));
  PHOTON_TRY(r.class_name, readString(j, "class", path, ""));
  PHOTON_TRY(r.pool, readString(j, "pool", path));
  PHOTON_TRY(r.profile, readString(j, "profile", path, ""));
  PHOTON_TRY(r.labels, readLabels(j, "labels", path));
  PHOTON_TRY(r.auto_install, readBool(j, "auto_install", path, false));
  return r;
}

Result<LifecycleSettings> settingsFromJson(const Json& j, const std::string& path) {
  LifecycleSettings s;
  constexpr int64_t kWeek = 7 * 24 * 3600;
  PHOTON_TRY(s.commission_deadline_s,
             readInt(j, "commission_deadline_s", path, 10, kWeek, s.commission_deadline_s));
  PHOTON_TRY(s.install_deadline_s,
             readInt(j, "install_deadline_s", path, 10, kWeek, s.install_deadline_s));
  PHOTON_TRY(s.drain_deadline_s,
             readInt(j, "drain_deadline_s", path, 1, kWeek, s.drain_deadline_s));
  PHOTON_TRY(s.node_ttl_s, readInt(j, "node_ttl_s", path, 1, kWeek, s.node_ttl_s));
  return s;
}

template <typename T, typename Parse>
Result<std::vector<T>> namedList(const Json& j, const std::string& key, Parse parse) {
  PHOTON_TRY(Json list, readArray(j, key, ""));
  std::vector<T> out;
  std::set<std::string> names;
  for (size_t i = 0; i < list.size(); ++i) {
    PHOTON_TRY(T item, parse(list[i], indexed(key, i)));
    if (!names.insert(item.name).second) {
      return invalid(indexed(key, i) + ".name", "duplicate name '" + item.name + "'");
    }
    out.push_back(std::move(item));
  }
  return out;
}

Json matchToJson(const RuleMatch& m) {
  Json j = Json::object();
  if (m.machine_id) j["machine_id"] = *m.machine_id;
  if (!m.macs.empty()) j["macs"] = m.macs;
  if (!m.bmc_macs.empty()) j["bmc_macs"] = m.bmc_macs;
  Json dmi = Json::object();
  if (!m.dmi_vendor.empty()) dmi["vendor"] = m.dmi_vendor;
  if (!m.dmi_product.empty()) dmi["product"] = m.dmi_product;
  if (!m.dmi_serial.empty()) dmi["serial"] = m.dmi_serial;
  if (!dmi.empty()) j["dmi"] = dmi;
  if (m.min_cores) j["min_cores"] = *m.min_cores;
  if (m.min_memory_bytes) j["min_memory_bytes"] = *m.min_memory_bytes;
  if (m.virtualization) j["virtualization"] = *m.virtualization;
  if (m.min_disks) j["min_disks"] = *m.min_disks;
  if (!m.labels.empty()) j["labels"] = m.labels;
  return j;
}
}  // namespace

int Pool::prefixLength() const {
  // Every Pool comes from poolFromJson, which refused a cidr that does not parse: one that
  // does not is a broken invariant, not input.
  auto parsed = parseIpv4Cidr(cidr);
  if (!parsed) std::abort();
  return parsed->prefix_length;
}

int RuleMatch::selectorCount() const {
  return (machine_id ? 1 : 0) + (macs.empty() ? 0 : 1) + (bmc_macs.empty() ? 0 : 1) +
         (dmi_vendor.empty() ? 0 : 1) + (dmi_product.empty() ? 0 : 1) +
         (dmi_serial.empty() ? 0 : 1) + (min_cores ? 1 : 0) + (min_memory_bytes ? 1 : 0) +
         (virtualization ? 1 : 0) + (min_disks ? 1 : 0) + static_cast<int>(labels.size());
}

const Pool* Cluster::findPool(const std::string& name) const {
  for (const auto& p : pools) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Result<Cluster> clusterFromJson(const Json& j) {
  PHOTON_CHECK(requireObject(j, ""));
  Cluster c;
  PHOTON_TRY(c.name, readString(j, "name", ""));
  PHOTON_CHECK(checkName("name", c.name));
  PHOTON_TRY(c.classes, namedList<NodeClass>(j, "classes", classFromJson));
  PHOTON_TRY(c.pools, namedList<Pool>(j, "pools", poolFromJson));
  PHOTON_TRY(c.rules, namedList<EnrollmentRule>(j, "rules", ruleFromJson));
  PHOTON_TRY(Json settings, readObject(j, "settings", ""));
  PHOTON_TRY(c.settings, settingsFromJson(settings, "settings"));
  // The BGP section is the agents' to validate, except the session timers: a bad hold time
  // would otherwise surface as every node refusing its desired state.
  if (auto bgp = j.find("bgp"); bgp != j.end()) PHOTON_CHECK(validateBgpSessions(*bgp));

  for (size_t i = 0; i < c.pools.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      if (c.pools[i].range_start <= c.pools[k].range_end &&
          c.pools[k].range_start <= c.pools[i].range_end) {
        return invalid(indexed("pools", i), "range overlaps pool '" + c.pools[k].name + "'");
      }
    }
  }
  for (size_t i = 0; i < c.rules.size(); ++i) {
    const auto& r = c.rules[i];
    if (!c.findPool(r.pool)) {
      return invalid(indexed("rules", i) + ".pool", "unknown pool '" + r.pool + "'");
    }
    bool known_class = r.class_name.empty() ||
                       std::any_of(c.classes.begin(), c.classes.end(),
                                   [&](const NodeClass& k) { return k.name == r.class_name; });
    if (!known_class) {
      return invalid(indexed("rules", i) + ".class", "unknown class '" + r.class_name + "'");
    }
  }
  for (const auto& [key, value] : j.items()) {
    if (!kKnownSections.contains(key)) c.extra[key] = value;
  }
  // A VIP is announced to the fabric and put on the node: 0.0.0.0, loopback, multicast or
  // link-local would hijack or break the node's own traffic.
  if (auto vips = c.extra.find("vips"); vips != c.extra.end() && vips->is_array()) {
    for (size_t i = 0; i < vips->size(); ++i) {
      const Json& v = (*vips)[i];
      if (!v.is_object() || !v.contains("address") || !v["address"].is_string()) continue;
      std::string address = v["address"];
      if (auto problem = vipAddressProblem(address)) {
        return invalid(indexed("vips", i) + ".address", "'" + address + "' " + *problem);
      }
    }
  }
  return c;
}

Json toJson(const Cluster& c) {
  Json j = c.extra;
  j["name"] = c.name;
  j["classes"] = Json::array();
  for (const auto& k : c.classes) j["classes"].push_back({{"name", k.name}, {"labels", k.labels}});
  j["pools"] = Json::array();
  for (const auto& p : c.pools) {
    j["pools"].push_back({{"name", p.name},
                          {"cidr", p.cidr},
                          {"range_start", formatIpv4(p.range_start)},
                          {"range_end", formatIpv4(p.range_end)},
                          {"gateway", p.gateway},
                          {"hostname_pattern", p.hostname_pattern},
                          {"disk_layout", p.disk_layout},
                          {"profile", p.profile}});
  }
  j["rules"] = Json::array();
  for (const auto& r : c.rules) {
    j["rules"].push_back({{"name", r.name},
                          {"priority", r.priority},
                          {"match", matchToJson(r.match)},
                          {"class", r.class_name},
                          {"pool", r.pool},
                          {"profile", r.profile},
                          {"labels", r.labels},
                          {"auto_install", r.auto_install}});
  }
  j["settings"] = {{"commission_deadline_s", c.settings.commission_deadline_s},
                   {"install_deadline_s", c.settings.install_deadline_s},
                   {"drain_deadline_s", c.settings.drain_deadline_s},
                   {"node_ttl_s", c.settings.node_ttl_s}};
  return j;
}

}  // namespace photon::common
