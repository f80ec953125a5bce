#include "coordinator/api/node_changes.h"

#include <string_view>
#include <vector>

#include "coordinator/inventory/keys.h"
#include "coordinator/power/power_keys.h"

namespace photon::coordinator {

Result<std::set<std::string>> nodesChangedSince(Store& store, int64_t since, bool observed) {
  // Every document a row of the machines table is made of, by the prefix of its key; the rest
  // of each key is the node's id.
  std::vector<std::string_view> prefixes = {keys::kNodesPrefix, power::keys::kStatusPrefix,
                                            power::keys::kRequestsPrefix,
                                            power::keys::kRunningPrefix};
  const std::string observed_prefix = keys::observed("");
  if (observed) prefixes.push_back(observed_prefix);
  std::set<std::string> out;
  for (std::string_view prefix : prefixes) {
    PHOTON_TRY(auto listed, store.revisions(std::string(prefix)));
    for (const auto& kr : listed) {
      if (kr.mod_revision > since) out.insert(kr.key.substr(prefix.size()));
    }
  }
  return out;
}

}  // namespace photon::coordinator
