#include "coordinator/placement/placement_state.h"

namespace photon::coordinator::placement {
namespace {
template <typename T>
T value(const Json& j, const char* key, T fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const std::exception&) {
    return fallback;
  }
}
}  // namespace

Json toJson(const Allocation& a) {
  Json j = {{"name", a.name},
            {"slot", a.slot},
            {"node", a.node},
            {"revision", a.revision},
            {"created_at", a.created_at},
            {"health", a.health},
            {"healthy_since", a.healthy_since}};
  if (!a.error.empty()) j["error"] = a.error;
  if (!a.replaces.empty()) j["replaces"] = a.replaces;
  if (a.lost) j["lost"] = true;
  return j;
}

Json toJson(const PlacementState& s) {
  Json allocations = Json::array();
  for (const auto& a : s.allocations) allocations.push_back(toJson(a));
  Json unplaced = Json::array();
  for (const auto& u : s.unplaced) {
    Json j = {{"slot", u.slot}, {"reason", u.reason}};
    if (!u.replaces.empty()) j["replaces"] = u.replaces;
    unplaced.push_back(j);
  }
  Json j = {{"service", s.service},
            {"next_index", s.next_index},
            {"allocations", allocations},
            {"unplaced", unplaced},
            {"templates", s.templates},
            {"last_healthy_revision", s.last_healthy_revision}};
  if (!s.last_healthy_spec.is_null()) j["last_healthy_spec"] = s.last_healthy_spec;
  if (!s.reverted_from.empty()) j["reverted_from"] = s.reverted_from;
  if (!s.revert_reason.empty()) j["revert_reason"] = s.revert_reason;
  if (!s.paused_reason.empty()) j["paused_reason"] = s.paused_reason;
  return j;
}

common::Result<PlacementState> placementStateFromJson(const Json& j) {
  if (!j.is_object()) return common::fail(common::ErrorCode::kInternal, "not an object");
  PlacementState s;
  s.service = value<std::string>(j, "service", "");
  s.next_index = value<int64_t>(j, "next_index", 0);
  if (auto it = j.find("allocations"); it != j.end() && it->is_array()) {
    for (const auto& a : *it) {
      if (!a.is_object()) continue;
      Allocation out;
      out.name = value<std::string>(a, "name", "");
      out.slot = value<int64_t>(a, "slot", 0);
      out.node = value<std::string>(a, "node", "");
      out.revision = value<std::string>(a, "revision", "");
      out.created_at = value<int64_t>(a, "created_at", 0);
      out.health = value<std::string>(a, "health", "");
      out.error = value<std::string>(a, "error", "");
      out.healthy_since = value<int64_t>(a, "healthy_since", 0);
      out.replaces = value<std::string>(a, "replaces", "");
      out.lost = value<bool>(a, "lost", false);
      if (!out.name.empty() && !out.node.empty()) s.allocations.push_back(std::move(out));
    }
  }
  if (auto it = j.find("unplaced"); it != j.end() && it->is_array()) {
    for (const auto& u : *it) {
      if (!u.is_object()) continue;
      s.unplaced.push_back({value<int64_t>(u, "slot", 0), value<std::string>(u, "reason", ""),
                            value<std::string>(u, "replaces", "")});
    }
  }
  if (auto it = j.find("templates"); it != j.end() && it->is_object()) {
    for (const auto& [rev, t] : it->items()) s.templates[rev] = t;
  }
  if (auto it = j.find("last_healthy_spec"); it != j.end()) s.last_healthy_spec = *it;
  s.last_healthy_revision = value<std::string>(j, "last_healthy_revision", "");
  s.reverted_from = value<std::string>(j, "reverted_from", "");
  s.revert_reason = value<std::string>(j, "revert_reason", "");
  s.paused_reason = value<std::string>(j, "paused_reason", "");
  return s;
}

}  // namespace photon::coordinator::placement
