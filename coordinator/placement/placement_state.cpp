#include "coordinator/placement/placement_state.h"

namespace photon::coordinator::placement {
namespace {
using common::readBool;
using common::readInt;
using common::readString;

// A stored list. Not readArray: that bounds what a client may send, and a global service on a
// large fleet stores more allocations than that.
common::Result<Json> storedList(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return Json::array();
  if (!it->is_array()) return common::invalid(key, "must be a list");
  return *it;
}

std::string itemPath(const char* list, size_t i) {
  return std::string(list) + "[" + std::to_string(i) + "]";
}

common::Result<Allocation> allocationFromJson(const Json& a, const std::string& path) {
  PHOTON_CHECK(common::requireObject(a, path));
  Allocation out;
  PHOTON_TRY(out.name, readString(a, "name", path));
  PHOTON_TRY(out.slot, readInt(a, "slot", path, 0, INT64_MAX));
  PHOTON_TRY(out.node, readString(a, "node", path));
  PHOTON_TRY(out.revision, readString(a, "revision", path, ""));
  PHOTON_TRY(out.created_at, readInt(a, "created_at", path, 0, INT64_MAX, 0));
  PHOTON_TRY(out.health, common::readEnum(a, "health", path, common::InstanceHealth::kUnknown));
  PHOTON_TRY(out.error, readString(a, "error", path, ""));
  PHOTON_TRY(out.healthy_since, readInt(a, "healthy_since", path, 0, INT64_MAX, 0));
  PHOTON_TRY(out.replaces, readString(a, "replaces", path, ""));
  PHOTON_TRY(out.lost, readBool(a, "lost", path, false));
  if (out.name.empty()) return common::invalid(common::joinPath(path, "name"), "must not be empty");
  if (out.node.empty()) return common::invalid(common::joinPath(path, "node"), "must not be empty");
  return out;
}

common::Result<PlacementState> parseState(const Json& j) {
  if (!j.is_object()) return common::invalid("", "is not an object");
  PlacementState s;
  PHOTON_TRY(s.service, readString(j, "service", "", ""));
  PHOTON_TRY(s.next_index, readInt(j, "next_index", "", 0, INT64_MAX, 0));
  PHOTON_TRY(Json allocations, storedList(j, "allocations"));
  for (size_t i = 0; i < allocations.size(); ++i) {
    PHOTON_TRY(auto a, allocationFromJson(allocations[i], itemPath("allocations", i)));
    s.allocations.push_back(std::move(a));
  }
  PHOTON_TRY(Json unplaced, storedList(j, "unplaced"));
  for (size_t i = 0; i < unplaced.size(); ++i) {
    const Json& u = unplaced[i];
    std::string path = itemPath("unplaced", i);
    PHOTON_CHECK(common::requireObject(u, path));
    Unplaced out;
    PHOTON_TRY(out.slot, readInt(u, "slot", path, 0, INT64_MAX));
    PHOTON_TRY(out.reason, readString(u, "reason", path, ""));
    PHOTON_TRY(out.replaces, readString(u, "replaces", path, ""));
    s.unplaced.push_back(std::move(out));
  }
  PHOTON_TRY(Json templates, common::readObject(j, "templates", ""));
  for (const auto& [rev, t] : templates.items()) s.templates[rev] = t;
  if (auto it = j.find("last_healthy_spec"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return common::invalid("last_healthy_spec", "must be an object");
    s.last_healthy_spec = *it;
  }
  PHOTON_TRY(s.last_healthy_revision, readString(j, "last_healthy_revision", "", ""));
  PHOTON_TRY(s.reverted_from, readString(j, "reverted_from", "", ""));
  PHOTON_TRY(s.revert_reason, readString(j, "revert_reason", "", ""));
  PHOTON_TRY(s.paused_reason, readString(j, "paused_reason", "", ""));
  return s;
}
}  // namespace

InstanceCounts countInstances(const PlacementState& s) {
  InstanceCounts counts;
  for (const auto& a : s.allocations) {
    if (a.lost) {
      ++counts.lost;
    } else {
      ++counts.placed;
      if (a.health == common::InstanceHealth::kHealthy) ++counts.healthy;
    }
  }
  counts.unplaced = static_cast<int64_t>(s.unplaced.size());
  return counts;
}

Json toJson(const Allocation& a) {
  Json j = {{"name", a.name},
            {"slot", a.slot},
            {"node", a.node},
            {"revision", a.revision},
            {"created_at", a.created_at},
            {"health", common::toString(a.health)},
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
  Json j = {{"service", s.service},       {"next_index", s.next_index},
            {"allocations", allocations}, {"unplaced", unplaced},
            {"templates", s.templates},   {"last_healthy_revision", s.last_healthy_revision}};
  if (!s.last_healthy_spec.is_null()) j["last_healthy_spec"] = s.last_healthy_spec;
  if (!s.reverted_from.empty()) j["reverted_from"] = s.reverted_from;
  if (!s.revert_reason.empty()) j["revert_reason"] = s.revert_reason;
  if (!s.paused_reason.empty()) j["paused_reason"] = s.paused_reason;
  return j;
}

common::Result<PlacementState> placementStateFromJson(const Json& j) {
  auto parsed = parseState(j);
  if (parsed) return parsed;
  // Written by placement itself: a field that does not read is corruption, not a client's
  // mistake, and is not papered over with a default.
  const std::string& field = parsed.error().field;
  common::Error e = parsed.error().context(
      field.empty() ? "corrupt placement state" : "corrupt placement state: field '" + field + "'");
  e.code = common::ErrorCode::kInternal;
  return std::unexpected(std::move(e));
}

}  // namespace photon::coordinator::placement
