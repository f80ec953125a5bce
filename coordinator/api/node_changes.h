// Which nodes changed after a revision, for `GET /api/v1/nodes?changed_since=REV`: an open
// console applies those to the table it holds instead of reading the whole fleet again.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "coordinator/store/store.h"

namespace photon::coordinator {

// The ids whose node record, power record or (with `observed`) agent report has a
// mod_revision above `since`. Keys only, no values: what a change costs is the changed nodes.
[[nodiscard]] Result<std::set<std::string>> nodesChangedSince(Store& store, int64_t since,
                                                              bool observed);

}  // namespace photon::coordinator
