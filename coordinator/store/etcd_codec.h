// The etcd v3 JSON gateway's wire format, apart from any I/O: keys and values are base64,
// 64-bit numbers are strings, and fields at their default value are left out.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "coordinator/store/store.h"

namespace photon::coordinator::etcd {

using Json = nlohmann::json;

std::string base64Encode(const std::string& raw);
// Empty when `text` is not valid base64.
std::optional<std::string> base64Decode(const std::string& text);

// The range_end that makes a range cover every key starting with `prefix`.
std::string prefixEnd(const std::string& prefix);

// A number field the gateway sends as a string ("12") and leaves out when 0.
int64_t readInt64(const Json& object, const char* name);

// One key-value as the gateway sends it, with `strip` (the store's prefix) cut off the key.
common::Result<KeyValue> parseKeyValue(const Json& kv, const std::string& strip);

// A /v3/kv/txn body for `txn`, every key under `prefix`. The failure branch reads back each
// compared key so that a conflict can name the key that moved.
Json txnRequest(const Txn& txn, const std::string& prefix);

// The outcome of a /v3/kv/txn reply: the revision on success, else a kConflict naming the
// first compared key whose mod_revision was not the expected one.
common::Result<int64_t> txnOutcome(const Json& reply, const Txn& txn, const std::string& prefix);

// After a txn whose reply was lost: a read-only txn of every key `txn` compares or writes,
// and what that read says of the lost txn.
Json txnProbeRequest(const Txn& txn, const std::string& prefix);
struct TxnProbe {
  enum Outcome { kApplied, kNotApplied, kConflict } outcome = kNotApplied;
  int64_t revision = 0;      // kApplied: the revision it was applied at
  std::string conflict_key;  // kConflict: a compared key that moved (to someone else's write)
};
common::Result<TxnProbe> txnProbeOutcome(const Json& reply, const Txn& txn,
                                         const std::string& prefix);

// One event of a watch stream.
struct WatchEvent {
  bool is_delete = false;
  KeyValue kv;
};
struct WatchResult {
  int64_t revision = 0;          // the header's
  int64_t compact_revision = 0;  // set when the start revision was compacted away
  bool canceled = false;
  std::vector<WatchEvent> events;
};
// One line of a /v3/watch stream: {"result":{...}} (or {"error":...}: an error).
common::Result<WatchResult> parseWatchLine(const std::string& line, const std::string& strip);

}  // namespace photon::coordinator::etcd
