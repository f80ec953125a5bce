#include "coordinator/inventory/node_history.h"

#include "coordinator/inventory/keys.h"

namespace photon::coordinator {

using common::Json;

common::Status stageTransition(Store& store, Txn& txn, const std::string& node_id,
                               const common::NodeTransition& transition) {
  const std::string key = keys::history(node_id);
  PHOTON_TRY(auto kv, store.get(key));
  Json entries = Json::array();
  if (kv) {
    txn.expect(key, kv->mod_revision);
    Json stored = Json::parse(kv->value, nullptr, false);
    // An unreadable history must not stop the lifecycle: it starts again from this change.
    if (stored.is_array()) entries = std::move(stored);
  } else {
    txn.expectAbsent(key);
  }
  entries.push_back(common::toJson(transition));
  if (entries.size() > kNodeHistoryLimit) {
    entries.erase(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(
                                                         entries.size() - kNodeHistoryLimit));
  }
  txn.put(key, entries.dump());
  return {};
}

void stageFirstTransition(Txn& txn, const std::string& node_id,
                          const common::NodeTransition& transition) {
  const std::string key = keys::history(node_id);
  txn.expectAbsent(key).put(key, Json::array({common::toJson(transition)}).dump());
}

Result<std::vector<common::NodeTransition>> readNodeHistory(Store& store,
                                                            const std::string& node_id) {
  const std::string key = keys::history(node_id);
  PHOTON_TRY(auto kv, store.get(key));
  if (!kv) return std::vector<common::NodeTransition>{};
  Json stored = Json::parse(kv->value, nullptr, false);
  if (stored.is_discarded()) {
    return common::fail(common::ErrorCode::kInternal, "stored " + key + " is corrupt");
  }
  return common::nodeHistoryFromJson(stored, key);
}

}  // namespace photon::coordinator
