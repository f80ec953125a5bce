// Moving a coordinator's state between stores (SQLite <-> etcd): every key and value as one
// JSON document. Revisions are not carried over: the target numbers its own writes, and agents
// simply see a new ETag once.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "common/result.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

// {"format":"photon-store-dump","version":1,"revision":N,"kvs":[{"key":..,"value":..},...]}
common::Result<nlohmann::json> exportStore(Store& store);

struct ImportSummary {
  size_t keys = 0;
  int64_t revision = 0;  // the target's revision after the last write
};
// Writes every key of `dump`. Refuses (kConflict) a target that holds any key unless
// `overwrite`, in which case the dump's keys replace the ones there and others stay.
common::Result<ImportSummary> importStore(Store& store, const nlohmann::json& dump, bool overwrite);

}  // namespace photon::coordinator
