#include "coordinator/ctl/router_config.h"

#include <arpa/inet.h>

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

#include "common/api/bgp_session.h"
#include "common/validate.h"

namespace photon::ctl {
namespace {
using common::invalid;
using common::Json;
using common::Result;

struct Session {
  std::string node;  // declared name
  std::string protocol;
  std::string address;  // the node's end
  bool ipv6 = false;
  int64_t asn = 0;
  std::string password;
  common::BgpSessionTimers timers;
};

// "a.b.c.d" or a v6 address, normalized; nothing if it is neither.
std::optional<std::string> normalizeIp(const std::string& text, bool& ipv6) {
  if (auto v4 = common::parseIpv4(text)) {
    ipv6 = false;
    return common::formatIpv4(*v4);
  }
  in6_addr a{};
  if (text.size() > 45 || inet_pton(AF_INET6, text.c_str(), &a) != 1) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &a, buf, sizeof buf);
  ipv6 = true;
  return std::string(buf);
}

// node names are [a-z0-9-]; BIRD symbols [A-Za-z_][A-Za-z0-9_]*.
std::string protocolName(const std::string& node) {
  std::string out = "photon_";
  for (char c : node) out += c == '-' ? '_' : c;
  return out;
}

int64_t asnOf(const Json& j, int64_t fallback) {
  auto it = j.find("asn");
  return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::string text(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The declaration's "nodes" list: declared name -> its address.
std::map<std::string, std::string> declaredAddresses(const Json& cluster) {
  std::map<std::string, std::string> out;
  auto nodes = cluster.find("nodes");
  if (nodes == cluster.end() || !nodes->is_array()) return out;
  for (const auto& n : *nodes) {
    if (n.is_object() && !text(n, "name").empty()) out[text(n, "name")] = text(n, "address");
  }
  return out;
}

// The router every node peers with externally, when there is exactly one.
Result<std::string> soleRouter(const Json& nodes, int64_t cluster_asn) {
  std::set<std::string> seen;
  for (const auto& item : nodes.items()) {
    const Json& node = item.value();
    if (!node.is_object() || !node.contains("neighbors") || !node["neighbors"].is_array()) continue;
    int64_t asn = asnOf(node, cluster_asn);
    for (const auto& n : node["neighbors"]) {
      bool ipv6 = false;
      auto address = n.is_object() ? normalizeIp(text(n, "address"), ipv6) : std::nullopt;
      if (address && asnOf(n, asn) != asn) seen.insert(*address);
    }
  }
  if (seen.size() == 1) return *seen.begin();
  std::string list;
  for (const auto& a : seen) list += (list.empty() ? "" : ", ") + a;
  return invalid("--router", seen.empty() ? "no node has an external BGP neighbour"
                                          : "the nodes peer with several routers (" + list +
                                                "): name one with --router");
}

// The declared VIPs as host routes, v4 and v6 apart, sorted.
Result<std::pair<std::set<std::string>, std::set<std::string>>> declaredVips(const Json& cluster) {
  std::pair<std::set<std::string>, std::set<std::string>> out;
  auto vips = cluster.find("vips");
  if (vips == cluster.end() || vips->is_null()) return out;
  if (!vips->is_array()) return invalid("vips", "must be a list");
  for (size_t i = 0; i < vips->size(); ++i) {
    const Json& v = (*vips)[i];
    std::string field = "vips[" + std::to_string(i) + "].address";
    std::string address = v.is_object() ? text(v, "address") : "";
    auto slash = address.find('/');
    std::string length = slash == std::string::npos ? "" : address.substr(slash + 1);
    bool ipv6 = false;
    auto ip = normalizeIp(address.substr(0, slash), ipv6);
    if (!ip || !(length.empty() || length == (ipv6 ? "128" : "32"))) {
      return invalid(field, "'" + address + "' is not a host address");
    }
    (ipv6 ? out.second : out.first).insert(*ip + (ipv6 ? "/128" : "/32"));
  }
  return out;
}

Result<Session> sessionOf(const std::string& name, const Json& node, const Json& entry,
                          const std::string& path, int64_t node_asn, int64_t router_asn,
                          bool router_ipv6, const std::map<std::string, std::string>& declared) {
  Session s;
  s.node = name;
  s.protocol = protocolName(name);
  s.asn = node_asn;
  // The node's end: where it says it speaks from, else its declared address, else its router id.
  std::string address = text(entry, "local_address");
  std::string field = common::joinPath(path, "local_address");
  if (address.empty()) {
    auto d = declared.find(name);
    address = d != declared.end() ? d->second : "";
    field = "nodes[" + name + "].address";
  }
  if (address.empty()) {
    address = text(node, "router_id");
    field = "bgp.nodes." + name + ".router_id";
  }
  auto ip = normalizeIp(address, s.ipv6);
  if (!ip || s.ipv6 != router_ipv6) {
    return invalid(field, "node " + name + " has no address of the router's family to peer from");
  }
  s.address = *ip;
  s.password = text(entry, "password");
  if (!s.password.empty() && !common::isSafeBgpPassword(s.password)) {
    return invalid(common::joinPath(path, "password"),
                   "must be 1-80 printable characters without spaces, '\"' or '\\'");
  }
  PHOTON_TRY(s.timers, common::readSessionTimers(entry, path, node_asn != router_asn));
  return s;
}

void renderPrefixFilter(std::ostringstream& out, const char* family,
                        const std::set<std::string>& vips) {
  out << "filter photon_from_nodes" << family << " {\n";
  if (!vips.empty()) {
    out << "  if net ~ [ ";
    bool first = true;
    for (const auto& v : vips) {
      out << (first ? "" : ", ") << v;
      first = false;
    }
    out << " ] then accept;\n";
  }
  out << "  reject;\n}\n\n";
}

void renderSession(std::ostringstream& out, const Session& s, const std::string& router_address,
                   int64_t router_asn) {
  const auto& t = s.timers;
  out << "protocol bgp " << s.protocol << " {\n"
      << "  description \"node " << s.node << "\";\n"
      << "  local " << router_address << " as " << router_asn << ";\n"
      << "  neighbor " << s.address << " as " << s.asn << ";\n"
      << "  connect delay time 1;\n"
      << "  hold time " << t.hold_time_s << ";\n";
  if (t.hold_time_s > 0) out << "  keepalive time " << t.keepalive_time_s << ";\n";
  if (!s.password.empty()) out << "  password \"" << s.password << "\";\n";
  if (t.bfd.enabled) {
    out << "  bfd { min rx interval " << t.bfd.interval_ms << " ms; min tx interval "
        << t.bfd.interval_ms << " ms; multiplier " << t.bfd.multiplier << "; };\n";
  }
  const char* family = s.ipv6 ? "6" : "4";
  out << "  ipv" << family << " { import filter photon_from_nodes" << family
      << "; export none; };\n}\n\n";
}

}  // namespace

Result<std::string> renderRouterBirdConfig(const Json& cluster,
                                           const RouterConfigOptions& options) {
  auto bgp = cluster.find("bgp");
  if (bgp == cluster.end() || !bgp->is_object() || !bgp->contains("nodes") ||
      !(*bgp)["nodes"].is_object()) {
    return invalid("bgp.nodes", "the declaration has no BGP configuration of its nodes");
  }
  const Json& nodes = (*bgp)["nodes"];
  const int64_t cluster_asn = asnOf(*bgp, 0);

  std::string router = options.router_address;
  if (router.empty()) {
    PHOTON_TRY(router, soleRouter(nodes, cluster_asn));
  }
  bool router_ipv6 = false;
  auto router_ip = normalizeIp(router, router_ipv6);
  if (!router_ip) return invalid("--router", "'" + router + "' is not an IP address");
  std::string router_id =
      options.router_id.empty() && !router_ipv6 ? *router_ip : options.router_id;
  auto rid = common::parseIpv4(router_id);
  if (!rid || *rid == 0) {
    return invalid("--router-id", options.router_id.empty()
                                      ? "is needed: the router's address is IPv6"
                                      : "'" + router_id + "' is not a non-zero IPv4 address");
  }
  PHOTON_TRY(auto vips, declaredVips(cluster));
  auto declared = declaredAddresses(cluster);

  std::optional<int64_t> router_asn;
  std::vector<Session> sessions;
  for (const auto& [name, node] : nodes.items()) {
    if (!node.is_object() || !node.contains("neighbors") || !node["neighbors"].is_array()) continue;
    const Json& neighbors = node["neighbors"];
    for (size_t i = 0; i < neighbors.size(); ++i) {
      const Json& entry = neighbors[i];
      bool ipv6 = false;
      auto address = entry.is_object() ? normalizeIp(text(entry, "address"), ipv6) : std::nullopt;
      if (!address || *address != *router_ip) continue;
      std::string path = "bgp.nodes." + name + ".neighbors[" + std::to_string(i) + "]";
      int64_t asn = asnOf(entry, 0);
      if (asn <= 0) return invalid(common::joinPath(path, "asn"), "is required");
      if (router_asn && *router_asn != asn) {
        return invalid(common::joinPath(path, "asn"), "gives the router AS " + std::to_string(asn) +
                                                          ", another node AS " +
                                                          std::to_string(*router_asn));
      }
      router_asn = asn;
      PHOTON_TRY(auto s, sessionOf(name, node, entry, path, asnOf(node, cluster_asn), asn,
                                   router_ipv6, declared));
      sessions.push_back(std::move(s));
    }
  }
  // router_asn is set with every session: empty together.
  if (sessions.empty() || !router_asn) {
    return invalid("--router", "no node has " + *router_ip + " as a BGP neighbour");
  }

  std::ostringstream out;
  const std::string name = text(cluster, "name");
  out << "# The fabric router's BIRD 2 configuration for cluster \"" << name << "\", generated by\n"
      << "# `photonctl bgp router-config` from the cluster declaration: regenerate it after a\n"
      << "# change there. One BGP session per node; a node's routes are accepted only when they\n"
      << "# are declared VIPs, so that no node can take over another address.\n"
      << "router id " << router_id << ";\n"
      << "timeformat protocol iso long ms;\n"
      << "timeformat route iso long ms;\n\n"
      << "protocol device photon_device {\n}\n\n"
      << "# The VIPs into the kernel's table: ECMP over the nodes announcing each.\n"
      << "protocol kernel photon_kernel" << (router_ipv6 ? "6" : "4") << " {\n"
      << "  ipv" << (router_ipv6 ? "6" : "4") << " { import none; export all; };\n"
      << "  merge paths on;\n}\n\n";
  bool bfd = false;
  for (const auto& s : sessions) bfd = bfd || s.timers.bfd.enabled;
  // The bfd protocol runs the sessions the bgp blocks ask for, each with that block's timers:
  // a node that goes silent is dropped (and its routes with it) within interval x multiplier.
  if (bfd) out << "protocol bfd photon_bfd {\n}\n\n";
  renderPrefixFilter(out, router_ipv6 ? "6" : "4", router_ipv6 ? vips.second : vips.first);
  for (const auto& s : sessions) renderSession(out, s, *router_ip, *router_asn);
  return out.str();
}

}  // namespace photon::ctl
