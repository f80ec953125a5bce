#include "coordinator/inventory/selector.h"

#include <set>

#include "common/validate.h"

namespace photon::coordinator {

bool Selector::matches(const std::string& id, const std::string& node_pool,
                       const std::string& node_class,
                       const std::map<std::string, std::string>& node_labels) const {
  if (!nodes.empty() && std::find(nodes.begin(), nodes.end(), id) == nodes.end()) return false;
  if (!pool.empty() && node_pool != pool) return false;
  if (!class_name.empty() && node_class != class_name) return false;
  for (const auto& [k, v] : labels) {
    auto it = node_labels.find(k);
    if (it == node_labels.end() || it->second != v) return false;
  }
  return true;
}

common::Result<Selector> parseSelector(const common::Json& j, const std::string& path) {
  if (!j.is_object()) return common::invalid(path, "must be an object");
  static const std::set<std::string> kKeys = {"nodes", "pool", "class", "labels"};
  for (const auto& [key, value] : j.items()) {
    if (!kKeys.contains(key)) {
      return common::invalid(common::joinPath(path, key), "unknown selector field");
    }
  }
  Selector s;
  PHOTON_TRY(s.nodes, common::readStringList(j, "nodes", path));
  for (size_t i = 0; i < s.nodes.size(); ++i) {
    PHOTON_CHECK(common::checkName(common::joinPath(path, "nodes") + "[" + std::to_string(i) + "]",
                                   s.nodes[i]));
  }
  PHOTON_TRY(s.pool, common::readString(j, "pool", path, ""));
  if (!s.pool.empty()) PHOTON_CHECK(common::checkName(common::joinPath(path, "pool"), s.pool));
  PHOTON_TRY(s.class_name, common::readString(j, "class", path, ""));
  if (!s.class_name.empty()) {
    PHOTON_CHECK(common::checkName(common::joinPath(path, "class"), s.class_name));
  }
  PHOTON_TRY(s.labels, common::readLabels(j, "labels", path));
  return s;
}

common::Json toJson(const Selector& s) {
  common::Json j = common::Json::object();
  if (!s.nodes.empty()) j["nodes"] = s.nodes;
  if (!s.labels.empty()) j["labels"] = s.labels;
  if (!s.class_name.empty()) j["class"] = s.class_name;
  if (!s.pool.empty()) j["pool"] = s.pool;
  return j;
}

}  // namespace photon::coordinator
