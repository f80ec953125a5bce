// A write of more keys than one transaction may carry (Store::maxTxnOps): a list of units, each
// a small transaction whose compares and ops must commit together, packed in order into as few
// transactions as the limit allows. Atomic per unit and per chunk, not as a whole: the caller
// orders its units so that a prefix of them, committed before a crash, is a state it can
// continue from (the deployment controller argues its case in deploy/deployment_store.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "coordinator/store/store.h"

namespace photon::coordinator {

// One key every chunk compares (the record the units belong to), so that a writer who moved it
// in between stops the rest. A chunk that puts the key moves the guard to its own revision.
struct ChunkGuard {
  std::string key;
  int64_t mod_revision = 0;
};

// The units [first, last) of `units`, committed at `revision`.
using ChunkCommitted = std::function<void(size_t first, size_t last, int64_t revision)>;

// Commits `units` in order, in chunks of at most `max_ops` compares, `max_ops` ops and
// `max_ops` distinct keys each (the guard's compare included; 0: one chunk) and, with a limit,
// at most 1 MiB of keys and values (etcd's request size). Stops at the first failure (a kConflict
// names the key that moved) with the chunks before it committed, and calls `committed` after each
// chunk. A unit larger than the limits is refused before anything is written (kTooLarge for bytes).
// Returns the newest revision committed (the store's revision when there was nothing to write).
//
// With `concurrency` above 1, the chunks before the first one that writes the guard key, and
// before the last chunk, commit up to that many at once (they compare the same guard and touch
// disjoint units, so any of them may land without the others, which the caller must accept as
// it accepts a prefix); a failure among them is returned once those in flight are done,
// `committed` called for each that landed, in chunk order. The chunk that writes the guard, every
// chunk after it and the last chunk commit one at a time after everything before them: what the
// caller orders last stays last.
[[nodiscard]] Result<int64_t> commitInChunks(Store& store, const std::vector<Txn>& units,
                                             ChunkGuard guard, size_t max_ops,
                                             const ChunkCommitted& committed = {},
                                             size_t concurrency = 1);

}  // namespace photon::coordinator
