// Which nodes a deployment covers: explicit ids, a pool, a class and labels, all of which must
// match ({} is every node).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/api/node.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::coordinator {

struct NodeSelector {
  std::vector<std::string> nodes;
  std::string pool;
  std::string class_name;
  std::map<std::string, std::string> labels;

  bool matches(const common::Node& node) const;
};

// `path` names the field in errors ("selector").
[[nodiscard]] common::Result<NodeSelector> parseSelector(const common::Json& j,
                                                         const std::string& path);

}  // namespace photon::coordinator
