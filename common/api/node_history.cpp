#include "common/api/node_history.h"

namespace photon::common {

Json toJson(const NodeTransition& t) {
  Json j = {{"at", t.at},
            {"from", t.from ? Json(std::string(toString(*t.from))) : Json(nullptr)},
            {"to", std::string(toString(t.to))},
            {"cause", t.cause}};
  if (!t.error.empty()) j["error"] = t.error;
  return j;
}

Result<NodeTransition> nodeTransitionFromJson(const Json& j, const std::string& path) {
  PHOTON_CHECK(requireObject(j, path));
  NodeTransition t;
  PHOTON_TRY(t.at, readInt(j, "at", path, 0, INT64_MAX));
  auto state = [&](const std::string& key) -> Result<std::optional<NodeState>> {
    PHOTON_TRY(std::string text, readString(j, key, path, ""));
    if (text.empty()) return std::optional<NodeState>{};
    auto parsed = parseNodeState(text);
    if (!parsed) return invalid(joinPath(path, key), "unknown state '" + text.substr(0, 64) + "'");
    return parsed;
  };
  PHOTON_TRY(t.from, state("from"));
  PHOTON_TRY(auto to, state("to"));
  if (!to) return invalid(joinPath(path, "to"), "is required");
  t.to = *to;
  PHOTON_TRY(t.cause, readString(j, "cause", path, ""));
  PHOTON_TRY(t.error, readString(j, "error", path, ""));
  return t;
}

Json toJson(const std::vector<NodeTransition>& history) {
  Json out = Json::array();
  for (const auto& t : history) out.push_back(toJson(t));
  return out;
}

Result<std::vector<NodeTransition>> nodeHistoryFromJson(const Json& j, const std::string& path) {
  if (!j.is_array()) return invalid(path, "must be an array");
  if (j.size() > kMaxListLength) return invalid(path, "has too many entries");
  std::vector<NodeTransition> out;
  out.reserve(j.size());
  for (size_t i = 0; i < j.size(); ++i) {
    PHOTON_TRY(auto t, nodeTransitionFromJson(j[i], path + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace photon::common
