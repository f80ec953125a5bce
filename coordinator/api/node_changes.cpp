#include "coordinator/api/node_changes.h"

#include <string_view>
#include <vector>

#include "common/json_fields.h"
#include "coordinator/inventory/keys.h"
#include "coordinator/power/power_keys.h"

namespace photon::coordinator {

namespace {
constexpr size_t kFewPointReads = 16;
constexpr size_t kRangeReadFactor = 8;
}  // namespace

Result<NodeChanges> nodesChangedSince(Store& store, int64_t since, bool observed) {
  // Every document a row of the machines table is made of, by the prefix of its key; the rest
  // of each key is the node's id.
  std::vector<std::string_view> prefixes = {keys::kNodesPrefix, power::keys::kStatusPrefix,
                                            power::keys::kRequestsPrefix,
                                            power::keys::kRunningPrefix};
  const std::string observed_prefix = keys::observed("");
  if (observed) prefixes.push_back(observed_prefix);
  NodeChanges out;
  for (std::string_view prefix : prefixes) {
    PHOTON_TRY(auto listed, store.revisions(std::string(prefix)));
    if (prefix == keys::kNodesPrefix) out.fleet = listed.size();
    for (const auto& kr : listed) {
      if (kr.mod_revision > since) out.ids.insert(kr.key.substr(prefix.size()));
    }
  }
  return out;
}

ChangedRead chooseChangedRead(size_t changed, size_t fleet) {
  if (changed <= kFewPointReads) return ChangedRead::kOneByOne;
  if (changed <= common::kMaxListLength && changed * kRangeReadFactor <= fleet) {
    return ChangedRead::kOneByOne;
  }
  return ChangedRead::kRange;
}

}  // namespace photon::coordinator
