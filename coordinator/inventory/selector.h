// Which nodes something applies to: explicit ids, a pool, a class and labels, all of which must
// match; an empty part matches any node. One type for a deployment's selector, a service's
// placement selector and the node list's ?pool=&label= filter, so "matches" means one thing.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::coordinator {

struct Selector {
  std::vector<std::string> nodes;  // node ids; empty: any
  std::string pool;
  std::string class_name;
  std::map<std::string, std::string> labels;

  bool empty() const {
    return nodes.empty() && pool.empty() && class_name.empty() && labels.empty();
  }

  bool matches(const std::string& id, const std::string& node_pool, const std::string& node_class,
               const std::map<std::string, std::string>& node_labels) const;
  // Any node record with id, pool, class_name and labels: common::Node, the scheduler's node.
  template <typename NodeLike>
  bool matches(const NodeLike& node) const {
    return matches(node.id, node.pool, node.class_name, node.labels);
  }
};

// Reads {"nodes", "pool", "class", "labels"}; `path` names the field in errors ("selector").
[[nodiscard]] common::Result<Selector> parseSelector(const common::Json& j,
                                                     const std::string& path);
// The same keys, empty parts left out.
common::Json toJson(const Selector& selector);

}  // namespace photon::coordinator
