#include "coordinator/store/store_dump.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;
using nlohmann::json;

constexpr const char* kFormat = "photon-store-dump";
// etcd refuses a txn of more than 128 operations by default.
constexpr size_t kOpsPerTxn = 100;
constexpr size_t kMaxKeyBytes = 1024;
}  // namespace

common::Result<json> exportStore(Store& store) {
  PHOTON_TRY(auto range, store.range(""));
  json kvs = json::array();
  for (const auto& kv : range.kvs) kvs.push_back({{"key", kv.key}, {"value", kv.value}});
  return json{{"format", kFormat}, {"version", 1}, {"revision", range.revision}, {"kvs", kvs}};
}

common::Result<ImportSummary> importStore(Store& store, const json& dump, bool overwrite) {
  if (!dump.is_object() || dump.value("format", std::string()) != kFormat) {
    return common::invalid("format", std::string("not a ") + kFormat + " document");
  }
  if (!dump.contains("version") || dump["version"] != 1) {
    return common::invalid("version", "only version 1 is understood");
  }
  if (!dump.contains("kvs") || !dump["kvs"].is_array()) {
    return common::invalid("kvs", "must be an array");
  }
  const json& kvs = dump["kvs"];
  for (size_t i = 0; i < kvs.size(); ++i) {
    const json& kv = kvs[i];
    std::string field = "kvs[" + std::to_string(i) + "]";
    if (!kv.is_object() || !kv.contains("key") || !kv["key"].is_string() || !kv.contains("value") ||
        !kv["value"].is_string()) {
      return common::invalid(field, "must be {\"key\": string, \"value\": string}");
    }
    const auto& key = kv["key"].get_ref<const std::string&>();
    if (key.empty() || key.size() > kMaxKeyBytes) {
      return common::invalid(field + ".key", "must be 1 to 1024 bytes");
    }
  }
  PHOTON_TRY(auto existing, store.range(""));
  if (!existing.kvs.empty() && !overwrite) {
    return fail(ErrorCode::kConflict,
                "the target store holds " + std::to_string(existing.kvs.size()) +
                    " keys already (first: " + existing.kvs.front().key +
                    "); import over them only when told to",
                "store");
  }
  ImportSummary summary;
  summary.revision = existing.revision;
  for (size_t start = 0; start < kvs.size(); start += kOpsPerTxn) {
    Txn txn;
    for (size_t i = start; i < std::min(kvs.size(), start + kOpsPerTxn); ++i) {
      std::string key = kvs[i]["key"];
      // Without overwrite every key must still be absent: a coordinator writing meanwhile
      // makes the import fail rather than be silently mixed in.
      if (!overwrite) txn.expectAbsent(key);
      txn.put(std::move(key), kvs[i]["value"].get<std::string>());
    }
    auto committed = store.commit(txn);
    if (!committed) {
      return std::unexpected(committed.error().context("import after " +
                                                       std::to_string(summary.keys) + " of " +
                                                       std::to_string(kvs.size()) + " keys"));
    }
    summary.keys += txn.ops.size();
    summary.revision = *committed;
  }
  return summary;
}

}  // namespace photon::coordinator
