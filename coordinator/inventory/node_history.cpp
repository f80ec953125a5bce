#include "coordinator/inventory/node_history.h"

#include "common/log.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {

using common::Json;

namespace {
// The stored history read with the same strict reader as the API's: anything else in the key
// (not JSON, not an array, an entry with an unknown state) is the server's fault, a 500 naming
// the key, never a client's 400.
Result<std::vector<common::NodeTransition>> parseStored(const KeyValue& kv) {
  Json stored = Json::parse(kv.value, nullptr, false);
  if (stored.is_discarded()) {
    return common::fail(common::ErrorCode::kInternal, "stored " + kv.key + " is corrupt: not JSON");
  }
  auto history = common::nodeHistoryFromJson(stored, kv.key);
  if (!history) {
    const auto& e = history.error();
    return common::fail(
        common::ErrorCode::kInternal,
        "stored " + kv.key + " is corrupt: " + (e.field.empty() ? "" : e.field + " ") + e.message);
  }
  return history;
}
}  // namespace

common::Status stageTransition(Store& store, Txn& txn, const std::string& node_id,
                               const common::NodeTransition& transition) {
  const std::string key = keys::history(node_id);
  PHOTON_TRY(auto kv, store.get(key));
  std::vector<common::NodeTransition> entries;
  if (kv) {
    txn.expect(key, kv->mod_revision);
    auto stored = parseStored(*kv);
    // An unreadable history must not stop the lifecycle: it starts again from this change.
    if (stored) {
      entries = std::move(*stored);
    } else {
      common::logWarning("node " + node_id + ": " + stored.error().message +
                         ", starting it again from this change");
    }
  } else {
    txn.expectAbsent(key);
  }
  entries.push_back(transition);
  if (entries.size() > kNodeHistoryLimit) {
    entries.erase(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(
                                                         entries.size() - kNodeHistoryLimit));
  }
  txn.put(key, common::toJson(entries).dump());
  return {};
}

void stageFirstTransition(Txn& txn, const std::string& node_id,
                          const common::NodeTransition& transition) {
  const std::string key = keys::history(node_id);
  txn.expectAbsent(key).put(key, Json::array({common::toJson(transition)}).dump());
}

Result<std::vector<common::NodeTransition>> readNodeHistory(Store& store,
                                                            const std::string& node_id) {
  PHOTON_TRY(auto kv, store.get(keys::history(node_id)));
  if (!kv) return std::vector<common::NodeTransition>{};
  return parseStored(*kv);
}

}  // namespace photon::coordinator
