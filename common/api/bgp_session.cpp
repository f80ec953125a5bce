#include "common/api/bgp_session.h"

#include <algorithm>

namespace photon::common {
namespace {

Result<BfdTimers> readBfd(const Json& neighbor, const std::string& path, bool direct) {
  BfdTimers bfd;
  auto it = neighbor.find("bfd");
  if (it == neighbor.end() || it->is_null()) {
    bfd.enabled = direct;
    return bfd;
  }
  const std::string field = joinPath(path, "bfd");
  if (it->is_boolean()) {
    bfd.enabled = it->get<bool>();
    return bfd;
  }
  if (!it->is_object()) {
    return invalid(field, "must be true, false or {\"interval_ms\", \"multiplier\"}");
  }
  for (const auto& item : it->items()) {
    if (item.key() != "interval_ms" && item.key() != "multiplier") {
      return invalid(joinPath(field, item.key()), "is not a BFD setting (interval_ms, multiplier)");
    }
  }
  bfd.enabled = true;
  // Below 10 ms BFD runs faster than a loaded node schedules BIRD; a detect multiplier is 8 bits.
  PHOTON_TRY(bfd.interval_ms, readInt(*it, "interval_ms", field, 10, 10000, bfd.interval_ms));
  PHOTON_TRY(bfd.multiplier, readInt(*it, "multiplier", field, 1, 255, bfd.multiplier));
  return bfd;
}

Status checkNeighbors(const Json& container, const std::string& key, const std::string& path,
                      const Json* local_asn) {
  auto it = container.find(key);
  if (it == container.end() || it->is_null()) return {};
  const std::string list_path = joinPath(path, key);
  if (!it->is_array()) return invalid(list_path, "must be a list");
  if (it->size() > kMaxListLength) return invalid(list_path, "has too many entries");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& n = (*it)[i];
    const std::string item_path = list_path + "[" + std::to_string(i) + "]";
    PHOTON_CHECK(requireObject(n, item_path));
    auto asn = n.find("asn");
    bool internal = local_asn && asn != n.end() && *asn == *local_asn;
    PHOTON_CHECK(readSessionTimers(n, item_path, !internal));
  }
  return {};
}

}  // namespace

Result<BgpSessionTimers> readSessionTimers(const Json& neighbor, const std::string& path,
                                           bool direct) {
  PHOTON_CHECK(requireObject(neighbor, path));
  BgpSessionTimers t;
  PHOTON_TRY(t.bfd, readBfd(neighbor, path, direct));
  // RFC 4271 4.2: a hold time is zero or at least three seconds.
  PHOTON_TRY(t.hold_time_s, readInt(neighbor, "hold_time", path, 0, 65535, t.hold_time_s));
  if (t.hold_time_s > 0 && t.hold_time_s < 3) {
    return invalid(joinPath(path, "hold_time"), "must be 0 (never time out) or 3-65535 seconds");
  }
  auto hold = neighbor.find("hold_time");
  bool hold_given = hold != neighbor.end() && !hold->is_null();
  int64_t keepalive_default = hold_given ? t.hold_time_s / 3 : kDefaultKeepaliveTimeS;
  const std::string keepalive_field = joinPath(path, "keepalive_time");
  if (t.hold_time_s == 0) {
    PHOTON_TRY(t.keepalive_time_s, readInt(neighbor, "keepalive_time", path, 0, 65535, 0));
    if (t.keepalive_time_s != 0) {
      return invalid(keepalive_field, "must be left out when hold_time is 0 (no keepalives)");
    }
    return t;
  }
  PHOTON_TRY(t.keepalive_time_s,
             readInt(neighbor, "keepalive_time", path, 1, 65535, keepalive_default));
  if (t.keepalive_time_s >= t.hold_time_s) {
    return invalid(keepalive_field,
                   "must be less than hold_time (" + std::to_string(t.hold_time_s) + " s)");
  }
  return t;
}

bool isSafeBgpPassword(std::string_view text) {
  if (text.empty() || text.size() > 80) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c >= 0x21 && c <= 0x7e && c != '"' && c != '\\'; });
}

Status validateBgpSessions(const Json& bgp) {
  if (bgp.is_null()) return {};
  PHOTON_CHECK(requireObject(bgp, "bgp"));
  const Json* cluster_asn = bgp.contains("asn") ? &bgp["asn"] : nullptr;
  PHOTON_CHECK(checkNeighbors(bgp, "peers", "bgp", cluster_asn));
  auto nodes = bgp.find("nodes");
  if (nodes == bgp.end() || nodes->is_null()) return {};
  if (!nodes->is_object()) return invalid("bgp.nodes", "must be an object keyed by node name");
  for (const auto& [name, node] : nodes->items()) {
    const std::string node_path = "bgp.nodes." + name;
    PHOTON_CHECK(requireObject(node, node_path));
    const Json* asn = node.contains("asn") ? &node["asn"] : cluster_asn;
    PHOTON_CHECK(checkNeighbors(node, "neighbors", node_path, asn));
  }
  return {};
}

}  // namespace photon::common
