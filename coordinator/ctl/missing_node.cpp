#include "coordinator/ctl/missing_node.h"

#include <cstdio>

#include "common/api/observed.h"

namespace photon::ctl {
namespace {
int64_t intAt(const nlohmann::json& j, const char* section, const char* key, int64_t fallback) {
  auto s = j.find(section);
  if (s == j.end() || !s->is_object()) return fallback;
  auto v = s->find(key);
  return v != s->end() && v->is_number_integer() ? v->get<int64_t>() : fallback;
}
}  // namespace

FailoverTimes failoverTimes(const nlohmann::json& cluster) {
  FailoverTimes t;
  t.node_ttl_s = intAt(cluster, "settings", "node_ttl_s", t.node_ttl_s);
  t.failover_grace_s = intAt(cluster, "placement", "failover_grace_s", t.failover_grace_s);
  return t;
}

std::string duration(int64_t s) {
  if (s < 0) s = 0;
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  } else if (s < 172800) {
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lldd", static_cast<long long>(s / 86400));
  }
  return buf;
}

std::string missingText(const nlohmann::json& node, const FailoverTimes& times, int64_t now) {
  auto liveness = node.find("liveness");
  auto last_seen = node.find("last_seen");
  if (liveness == node.end() || !liveness->is_string() ||
      common::parseEnum<common::Liveness>(liveness->get<std::string>()) !=
          common::Liveness::kMissing ||
      last_seen == node.end() || !last_seen->is_number_integer()) {
    return "";
  }
  int64_t missing_since = last_seen->get<int64_t>() + times.node_ttl_s;
  // Placement re-places once missing_for > grace: the first round a second after this.
  int64_t failover_at = missing_since + times.failover_grace_s + 1;
  std::string out = "missing " + duration(now - missing_since);
  if (now < failover_at) return out + ", fails over in " + duration(failover_at - now);
  return out + ", failover due";
}

}  // namespace photon::ctl
