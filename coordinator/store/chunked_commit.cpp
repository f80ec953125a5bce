#include "coordinator/store/chunked_commit.h"

namespace photon::coordinator {

Result<int64_t> commitInChunks(Store& store, const std::vector<Txn>& units, ChunkGuard guard,
                               size_t max_ops, const ChunkCommitted& committed) {
  const bool guarded = !guard.key.empty();
  const size_t limit = max_ops == 0 ? SIZE_MAX : max_ops;
  const size_t room = guarded ? limit - 1 : limit;  // the guard's compare takes one
  for (const auto& unit : units) {
    if (unit.compares.size() > room || unit.ops.size() > limit) {
      return common::fail(common::ErrorCode::kInternal,
                          "a unit of " + std::to_string(unit.ops.size()) +
                              " ops does not fit in a transaction of " + std::to_string(limit));
    }
  }
  int64_t revision = store.revision();
  size_t first = 0;
  while (first < units.size()) {
    Txn txn;
    if (guarded) txn.expect(guard.key, guard.mod_revision);
    size_t last = first;
    for (; last < units.size(); ++last) {
      const Txn& unit = units[last];
      if (last > first && (txn.compares.size() + unit.compares.size() > limit ||
                           txn.ops.size() + unit.ops.size() > limit)) {
        break;
      }
      txn.compares.insert(txn.compares.end(), unit.compares.begin(), unit.compares.end());
      txn.ops.insert(txn.ops.end(), unit.ops.begin(), unit.ops.end());
    }
    auto done = store.commit(txn);
    if (!done) return std::unexpected(done.error());
    revision = *done;
    if (guarded) {
      for (const auto& op : txn.ops) {
        if (op.key == guard.key) guard.mod_revision = op.is_delete ? 0 : revision;
      }
    }
    if (committed) committed(first, last, revision);
    first = last;
  }
  return revision;
}

}  // namespace photon::coordinator
