// Which nodes changed after a revision, for `GET /api/v1/nodes?changed_since=REV`: an open
// console applies those to the table it holds instead of reading the whole fleet again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "coordinator/store/store.h"

namespace photon::coordinator {

struct NodeChanges {
  std::set<std::string> ids;  // the nodes changed after the revision
  size_t fleet = 0;           // how many node records there are
};

// The ids whose node record, power record or (with `observed`) agent report has a
// mod_revision above `since`. Keys only, no values: what a change costs is the changed nodes.
[[nodiscard]] Result<NodeChanges> nodesChangedSince(Store& store, int64_t since, bool observed);

// How to read the changed nodes' records: one point read each, or one range read of every node
// record kept to the changed ones. N point reads are N lookups (N round trips on etcd), so an
// old revision (?changed_since=0: every node) must not turn into 5,000 of them.
enum class ChangedRead { kOneByOne, kRange };

// One by one while that is the cheaper read: a handful (16) whatever the fleet, or at most an
// eighth of the fleet (the range read would read 8× as many documents) and never more than
// common::kMaxListLength.
[[nodiscard]] ChangedRead chooseChangedRead(size_t changed, size_t fleet);

}  // namespace photon::coordinator
