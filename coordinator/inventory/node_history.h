// Each node's lifecycle history: its last kNodeHistoryLimit state changes under history/<id>,
// staged into the very transaction that changes the state, so that the record and the change
// commit together or not at all (no change without its entry, no entry for a change that lost).
#pragma once

#include <string>
#include <vector>

#include "common/api/node_history.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

// Enough for an operator to see how a node got where it is (a day of flapping is not kept).
inline constexpr size_t kNodeHistoryLimit = 50;

// Appends `transition` to the stored history in `txn`, guarded by the history's revision as
// read now, dropping the oldest entries past the limit.
[[nodiscard]] common::Status stageTransition(Store& store, Txn& txn, const std::string& node_id,
                                             const common::NodeTransition& transition);
// The first entry of a node that did not exist: nothing to read, the key must be absent.
void stageFirstTransition(Txn& txn, const std::string& node_id,
                          const common::NodeTransition& transition);

// Oldest first; empty for a node that never changed state since history was kept.
[[nodiscard]] Result<std::vector<common::NodeTransition>> readNodeHistory(
    Store& store, const std::string& node_id);

}  // namespace photon::coordinator
