#include "coordinator/store/etcd_codec.h"

#include <algorithm>
#include <array>
#include <map>

namespace photon::coordinator::etcd {
namespace {
using common::ErrorCode;
using common::fail;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::array<int, 256> decodeTable() {
  std::array<int, 256> table{};
  table.fill(-1);
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
}  // namespace

std::string base64Encode(const std::string& raw) {
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < raw.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(raw[i]) << 16) |
                 (static_cast<unsigned char>(raw[i + 1]) << 8) |
                 static_cast<unsigned char>(raw[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  size_t rest = raw.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<unsigned char>(raw[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(raw[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64Decode(const std::string& text) {
  static const std::array<int, 256> table = decodeTable();
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad > 0) return std::nullopt;  // data after padding
      v[j] = table[static_cast<unsigned char>(c)];
      if (v[j] < 0) return std::nullopt;
    }
    uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((n >> 16) & 0xff);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

std::string prefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // the whole key space
}

int64_t readInt64(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (!it->is_string()) return 0;
  try {
    return std::stoll(it->get<std::string>());
  } catch (...) {
    return 0;
  }
}

common::Result<KeyValue> parseKeyValue(const Json& kv, const std::string& strip) {
  if (!kv.is_object() || !kv.contains("key") || !kv["key"].is_string()) {
    return fail(ErrorCode::kUnavailable, "etcd: a key-value without a key");
  }
  auto key = base64Decode(kv["key"].get<std::string>());
  if (!key || !key->starts_with(strip)) {
    return fail(ErrorCode::kUnavailable, "etcd: a key outside the prefix");
  }
  KeyValue out;
  out.key = key->substr(strip.size());
  if (kv.contains("value") && kv["value"].is_string()) {
    auto value = base64Decode(kv["value"].get<std::string>());
    if (!value) return fail(ErrorCode::kUnavailable, "etcd: a value that is not base64");
    out.value = std::move(*value);
  }
  out.create_revision = readInt64(kv, "create_revision");
  out.mod_revision = readInt64(kv, "mod_revision");
  return out;
}

Json txnRequest(const Txn& txn, const std::string& prefix) {
  Json compares = Json::array();
  Json failure = Json::array();
  for (const auto& c : txn.compares) {
    std::string key = base64Encode(prefix + c.key);
    compares.push_back({{"key", key},
                        {"target", "MOD"},
                        {"result", "EQUAL"},
                        {"mod_revision", std::to_string(c.mod_revision)}});
    failure.push_back({{"request_range", {{"key", key}, {"keys_only", true}}}});
  }
  Json success = Json::array();
  for (const auto& op : txn.ops) {
    std::string key = base64Encode(prefix + op.key);
    if (op.is_delete) {
      success.push_back({{"request_delete_range", {{"key", key}}}});
    } else {
      success.push_back({{"request_put", {{"key", key}, {"value", base64Encode(op.value)}}}});
    }
  }
  return {{"compare", compares}, {"success", success}, {"failure", failure}};
}

common::Result<int64_t> txnOutcome(const Json& reply, const Txn& txn, const std::string& prefix) {
  if (!reply.is_object() || !reply.contains("header")) {
    return fail(ErrorCode::kUnavailable, "etcd: a txn reply without a header");
  }
  if (reply.value("succeeded", false)) return readInt64(reply["header"], "revision");
  // The failure branch read each compared key back, in compare order.
  const Json responses = reply.value("responses", Json::array());
  for (size_t i = 0; i < txn.compares.size(); ++i) {
    int64_t actual = 0;
    if (i < responses.size()) {
      const Json range = responses[i].value("response_range", Json::object());
      for (const auto& kv : range.value("kvs", Json::array())) {
        auto parsed = parseKeyValue(kv, prefix);
        if (parsed && parsed->key == txn.compares[i].key) actual = parsed->mod_revision;
      }
    }
    if (actual != txn.compares[i].mod_revision) {
      return fail(ErrorCode::kConflict, "changed concurrently", txn.compares[i].key);
    }
  }
  // Every key read back as expected: it moved and moved back between compare and read.
  std::string first = txn.compares.empty() ? std::string() : txn.compares.front().key;
  return fail(ErrorCode::kConflict, "changed concurrently", first);
}

namespace {
// The keys a txn touches, each once, in a fixed order: compares first, then ops.
std::vector<std::string> touchedKeys(const Txn& txn) {
  std::vector<std::string> keys;
  auto add = [&](const std::string& k) {
    if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
  };
  for (const auto& c : txn.compares) add(c.key);
  for (const auto& op : txn.ops) add(op.key);
  return keys;
}
}  // namespace

Json txnProbeRequest(const Txn& txn, const std::string& prefix) {
  Json reads = Json::array();
  for (const auto& key : touchedKeys(txn)) {
    reads.push_back({{"request_range", {{"key", base64Encode(prefix + key)}}}});
  }
  return {{"success", reads}};
}

common::Result<TxnProbe> txnProbeOutcome(const Json& reply, const Txn& txn,
                                         const std::string& prefix) {
  std::map<std::string, KeyValue> now;
  for (const auto& r : reply.value("responses", Json::array())) {
    for (const auto& raw : r.value("response_range", Json::object()).value("kvs", Json::array())) {
      PHOTON_TRY(KeyValue kv, parseKeyValue(raw, prefix));
      now[kv.key] = std::move(kv);
    }
  }
  auto modOf = [&](const std::string& key) -> int64_t {
    auto it = now.find(key);
    return it == now.end() ? 0 : it->second.mod_revision;
  };
  TxnProbe probe;
  // Applied: every put key holds our value, all written at one revision past every compared
  // one, and every deleted key is gone.
  int64_t at = 0;
  bool applied = !txn.ops.empty();
  for (const auto& op : txn.ops) {
    if (op.is_delete) {
      applied = applied && !now.contains(op.key);
      continue;
    }
    auto it = now.find(op.key);
    if (it == now.end() || it->second.value != op.value) {
      applied = false;
    } else if (at == 0) {
      at = it->second.mod_revision;
    } else if (at != it->second.mod_revision) {
      applied = false;
    }
  }
  for (const auto& c : txn.compares) applied = applied && (at == 0 || at > c.mod_revision);
  if (applied && at != 0) {
    probe.outcome = TxnProbe::kApplied;
    probe.revision = at;
    return probe;
  }
  for (const auto& c : txn.compares) {
    if (modOf(c.key) != c.mod_revision) {
      probe.outcome = TxnProbe::kConflict;
      probe.conflict_key = c.key;
      return probe;
    }
  }
  // Every compare still holds: it did not apply, and sending it again is safe (were the lost
  // one to apply after all, its compares would then fail).
  probe.outcome = TxnProbe::kNotApplied;
  return probe;
}

common::Result<WatchResult> parseWatchLine(const std::string& line, const std::string& strip) {
  Json j = Json::parse(line, nullptr, false);
  if (!j.is_object()) return fail(ErrorCode::kUnavailable, "etcd watch: not JSON");
  if (!j.contains("result") || !j["result"].is_object()) {
    std::string message = j.contains("error") ? j["error"].dump() : line.substr(0, 200);
    return fail(ErrorCode::kUnavailable, "etcd watch: " + message);
  }
  const Json& r = j["result"];
  WatchResult out;
  if (r.contains("header")) out.revision = readInt64(r["header"], "revision");
  out.compact_revision = readInt64(r, "compact_revision");
  out.canceled = r.value("canceled", false);
  for (const auto& e : r.value("events", Json::array())) {
    WatchEvent event;
    event.is_delete = e.value("type", std::string()) == "DELETE";
    PHOTON_TRY(event.kv, parseKeyValue(e.value("kv", Json::object()), strip));
    out.events.push_back(std::move(event));
  }
  return out;
}

}  // namespace photon::coordinator::etcd
