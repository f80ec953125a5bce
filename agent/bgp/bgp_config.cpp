#include "agent/bgp/bgp_config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "common/validate.h"

namespace photon::agent {
namespace {
using common::invalid;
using common::Json;
using common::Result;

constexpr int64_t kMaxAsn = 4294967295;

Result<uint32_t> parseU32(std::string_view text, uint32_t max, const std::string& field) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value > max) {
    return invalid(field,
                   "'" + std::string(text) + "' is not a number in 0.." + std::to_string(max));
  }
  return static_cast<uint32_t>(value);
}

// BIRD symbols are [A-Za-z_][A-Za-z0-9_]*; we take the lowercase part so names stay readable.
bool isBirdSymbolPart(std::string_view name) {
  if (name.empty() || name.size() > 40) return false;
  if (!(name.front() >= 'a' && name.front() <= 'z')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string nameFromAddress(const std::string& address) {
  std::string out = "n_";
  for (char c : address) out += (c == '.' || c == ':') ? '_' : c;
  return out;
}

Result<std::vector<BgpCommunity>> readCommunities(const Json& obj, const std::string& path) {
  PHOTON_TRY(auto texts, common::readStringList(obj, "communities", path));
  auto field = common::joinPath(path, "communities");
  if (texts.size() > kMaxBgpCommunities) return invalid(field, "has too many entries");
  std::vector<BgpCommunity> out;
  for (size_t i = 0; i < texts.size(); ++i) {
    PHOTON_TRY(auto c, parseCommunity(texts[i], field + "[" + std::to_string(i) + "]"));
    out.push_back(c);
  }
  return out;
}

Result<BgpNeighbor> parseNeighbor(const Json& item, const std::string& path, uint32_t local_asn) {
  PHOTON_CHECK(common::requireObject(item, path));
  BgpNeighbor n;
  PHOTON_TRY(n.address, common::readString(item, "address", path));
  if (common::parseIpv4(n.address)) {
    n.ipv6 = false;
  } else if (common::isValidIpv6(n.address)) {
    n.ipv6 = true;
    in6_addr a{};
    inet_pton(AF_INET6, n.address.c_str(), &a);
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(AF_INET6, &a, buf, sizeof buf);
    n.address = buf;
    if (n.address.starts_with("fe80")) {
      return invalid(common::joinPath(path, "address"),
                     "a link-local neighbour needs an interface; use a global address");
    }
  } else {
    return invalid(common::joinPath(path, "address"), "'" + n.address + "' is not an IP address");
  }
  PHOTON_TRY(auto asn, common::readInt(item, "asn", path, 1, kMaxAsn));
  n.asn = static_cast<uint32_t>(asn);
  PHOTON_TRY(n.name, common::readString(item, "name", path, nameFromAddress(n.address)));
  if (!isBirdSymbolPart(n.name)) {
    return invalid(common::joinPath(path, "name"),
                   "must be 1-40 characters of [a-z0-9_] starting with a letter");
  }
  PHOTON_TRY(n.password, common::readString(item, "password", path, ""));
  if (!n.password.empty() && !common::isSafeBgpPassword(n.password)) {
    return invalid(common::joinPath(path, "password"),
                   "must be 1-80 printable characters without spaces, '\"' or '\\'");
  }
  PHOTON_TRY(n.local_address, common::readString(item, "local_address", path, ""));
  if (!n.local_address.empty()) {
    bool v4 = common::parseIpv4(n.local_address).has_value();
    if (!(v4 ? !n.ipv6 : (common::isValidIpv6(n.local_address) && n.ipv6))) {
      return invalid(common::joinPath(path, "local_address"),
                     "must be an IP address of the neighbour's family");
    }
  }
  PHOTON_TRY(n.timers, common::readSessionTimers(item, path, n.asn != local_asn));
  // BIRD treats an internal session as multihop, and multihop BFD needs our address.
  if (n.timers.bfd.enabled && n.asn == local_asn && n.local_address.empty()) {
    return invalid(common::joinPath(path, "bfd"),
                   "BFD to an internal neighbour needs local_address");
  }
  PHOTON_TRY(n.route_reflector_client,
             common::readBool(item, "route_reflector_client", path, false));
  if (n.route_reflector_client && n.asn != local_asn) {
    return invalid(common::joinPath(path, "route_reflector_client"),
                   "only an internal neighbour (same ASN) can be a route reflector client");
  }
  return n;
}

}  // namespace

std::string BgpCommunity::text() const {
  auto s = std::to_string(a) + ":" + std::to_string(b);
  return large ? s + ":" + std::to_string(c) : s;
}

Result<BgpCommunity> parseCommunity(std::string_view text, const std::string& field) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    auto colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == text.npos ? text.npos : colon - start));
    if (colon == text.npos) break;
    start = colon + 1;
  }
  BgpCommunity c;
  if (parts.size() == 2) {
    PHOTON_TRY(c.a, parseU32(parts[0], 65535, field));
    PHOTON_TRY(c.b, parseU32(parts[1], 65535, field));
  } else if (parts.size() == 3) {
    c.large = true;
    PHOTON_TRY(c.a, parseU32(parts[0], UINT32_MAX, field));
    PHOTON_TRY(c.b, parseU32(parts[1], UINT32_MAX, field));
    PHOTON_TRY(c.c, parseU32(parts[2], UINT32_MAX, field));
  } else {
    return invalid(field, "'" + std::string(text) + "' is not a community (asn:value or a:b:c)");
  }
  return c;
}

Result<BgpVip> parseVipAddress(std::string_view text, const std::string& field) {
  auto slash = text.find('/');
  std::string address(text.substr(0, slash));
  std::string_view length = slash == text.npos ? std::string_view{} : text.substr(slash + 1);
  BgpVip vip;
  char buf[INET6_ADDRSTRLEN] = {};
  if (auto v4 = common::parseIpv4(address)) {
    if (!length.empty() && length != "32") {
      return invalid(field, "'" + std::string(text) + "' is not a host route (/32)");
    }
    vip.address = common::formatIpv4(*v4) + "/32";
  } else if (in6_addr a{}; address.size() <= 45 && inet_pton(AF_INET6, address.c_str(), &a) == 1) {
    if (!length.empty() && length != "128") {
      return invalid(field, "'" + std::string(text) + "' is not a host route (/128)");
    }
    inet_ntop(AF_INET6, &a, buf, sizeof buf);
    vip.address = std::string(buf) + "/128";
    vip.ipv6 = true;
  } else {
    return invalid(field, "'" + std::string(text) + "' is not an IP address");
  }
  // Put on the node and announced: these would take over the node's own traffic.
  if (auto problem = common::vipAddressProblem(address)) {
    return invalid(field, "'" + std::string(text) + "' " + *problem);
  }
  return vip;
}

Result<BgpConfig> parseBgpConfig(const Json& section) {
  const std::string path = "bgp";
  PHOTON_CHECK(common::requireObject(section, path));
  BgpConfig config;
  PHOTON_TRY(auto asn, common::readInt(section, "asn", path, 1, kMaxAsn));
  config.asn = static_cast<uint32_t>(asn);
  PHOTON_TRY(config.router_id, common::readString(section, "router_id", path));
  auto rid = common::parseIpv4(config.router_id);
  if (!rid || *rid == 0) {
    return invalid(common::joinPath(path, "router_id"), "must be a non-zero IPv4 address");
  }
  config.router_id = common::formatIpv4(*rid);
  PHOTON_TRY(config.graceful_restart, common::readBool(section, "graceful_restart", path, true));
  PHOTON_TRY(config.withdraw_all, common::readBool(section, "withdraw_all", path, false));
  PHOTON_TRY(auto common_communities, readCommunities(section, path));

  PHOTON_TRY(auto neighbors, common::readArray(section, "neighbors", path));
  if (neighbors.size() > kMaxBgpNeighbors) {
    return invalid(common::joinPath(path, "neighbors"), "has too many entries");
  }
  std::set<std::string> names;
  std::set<std::string> addresses;
  for (size_t i = 0; i < neighbors.size(); ++i) {
    auto item_path = common::joinPath(path, "neighbors") + "[" + std::to_string(i) + "]";
    PHOTON_TRY(auto n, parseNeighbor(neighbors[i], item_path, config.asn));
    if (!names.insert(n.name).second) {
      return invalid(common::joinPath(item_path, "name"), "'" + n.name + "' is used twice");
    }
    if (!addresses.insert(n.address).second) {
      return invalid(common::joinPath(item_path, "address"), n.address + " is listed twice");
    }
    config.neighbors.push_back(std::move(n));
  }

  PHOTON_TRY(auto vips, common::readArray(section, "vips", path));
  std::set<std::string> seen;
  for (size_t i = 0; i < vips.size(); ++i) {
    auto item_path = common::joinPath(path, "vips") + "[" + std::to_string(i) + "]";
    PHOTON_CHECK(common::requireObject(vips[i], item_path));
    PHOTON_TRY(auto text, common::readString(vips[i], "address", item_path));
    PHOTON_TRY(auto vip, parseVipAddress(text, common::joinPath(item_path, "address")));
    PHOTON_TRY(vip.service, common::readString(vips[i], "service", item_path));
    PHOTON_CHECK(common::checkName(common::joinPath(item_path, "service"), vip.service));
    PHOTON_TRY(auto own, readCommunities(vips[i], item_path));
    vip.communities = common_communities;
    for (const auto& c : own) {
      if (std::find(vip.communities.begin(), vip.communities.end(), c) == vip.communities.end()) {
        vip.communities.push_back(c);
      }
    }
    if (!seen.insert(vip.address).second) {
      return invalid(common::joinPath(item_path, "address"), vip.address + " is listed twice");
    }
    config.vips.push_back(std::move(vip));
  }
  return config;
}

}  // namespace photon::agent
