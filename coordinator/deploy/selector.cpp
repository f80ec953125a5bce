#include "coordinator/deploy/selector.h"

#include <algorithm>
#include <set>

#include "common/validate.h"

namespace photon::coordinator {

bool NodeSelector::matches(const common::Node& node) const {
  if (!nodes.empty() && std::find(nodes.begin(), nodes.end(), node.id) == nodes.end()) {
    return false;
  }
  if (!pool.empty() && node.pool != pool) return false;
  if (!class_name.empty() && node.class_name != class_name) return false;
  for (const auto& [k, v] : labels) {
    auto it = node.labels.find(k);
    if (it == node.labels.end() || it->second != v) return false;
  }
  return true;
}

common::Result<NodeSelector> parseSelector(const common::Json& j, const std::string& path) {
  if (!j.is_object()) return common::invalid(path, "must be an object");
  static const std::set<std::string> kKeys = {"nodes", "pool", "class", "labels"};
  for (const auto& [key, value] : j.items()) {
    if (!kKeys.contains(key)) {
      return common::invalid(common::joinPath(path, key), "unknown selector field");
    }
  }
  NodeSelector s;
  PHOTON_TRY(s.nodes, common::readStringList(j, "nodes", path));
  for (size_t i = 0; i < s.nodes.size(); ++i) {
    PHOTON_CHECK(common::checkName(path + ".nodes[" + std::to_string(i) + "]", s.nodes[i]));
  }
  PHOTON_TRY(s.pool, common::readString(j, "pool", path, ""));
  if (!s.pool.empty()) PHOTON_CHECK(common::checkName(path + ".pool", s.pool));
  PHOTON_TRY(s.class_name, common::readString(j, "class", path, ""));
  if (!s.class_name.empty()) PHOTON_CHECK(common::checkName(path + ".class", s.class_name));
  PHOTON_TRY(s.labels, common::readLabels(j, "labels", path));
  return s;
}

}  // namespace photon::coordinator
