#include "coordinator/store/chunked_commit.h"

#include <set>
#include <string_view>

namespace photon::coordinator {
namespace {

// A store that limits a transaction's operations (etcd) also limits a request's bytes: etcd's
// --max-request-bytes is 1.5 MiB by default, and a value travels base64-encoded (4/3) inside
// JSON. 1 MiB of keys and values stays below it with room for the framing. SQLite: no limit.
constexpr size_t kMaxChunkBytes = 1 << 20;

size_t bytesOf(const Txn& txn) {
  size_t bytes = 0;
  for (const auto& c : txn.compares) bytes += c.key.size();
  for (const auto& op : txn.ops) bytes += op.key.size() + op.value.size();
  return bytes;
}

// The keys a transaction touches: what etcd's lost-reply probe reads back (one range each),
// under the same operation limit as the transaction.
void addKeys(const Txn& txn, std::set<std::string_view>& keys) {
  for (const auto& c : txn.compares) keys.insert(c.key);
  for (const auto& op : txn.ops) keys.insert(op.key);
}

}  // namespace

Result<int64_t> commitInChunks(Store& store, const std::vector<Txn>& units, ChunkGuard guard,
                               size_t max_ops, const ChunkCommitted& committed) {
  const bool guarded = !guard.key.empty();
  const size_t limit = max_ops == 0 ? SIZE_MAX : max_ops;
  const size_t room = guarded ? limit - 1 : limit;  // the guard's compare takes one
  const size_t byte_limit = max_ops == 0 ? SIZE_MAX : kMaxChunkBytes;
  for (const auto& unit : units) {
    std::set<std::string_view> keys;
    addKeys(unit, keys);
    if (unit.compares.size() > room || unit.ops.size() > limit || keys.size() > room) {
      return common::fail(common::ErrorCode::kInternal,
                          "a unit of " + std::to_string(unit.ops.size()) +
                              " ops does not fit in a transaction of " + std::to_string(limit));
    }
    if (bytesOf(unit) > byte_limit) {
      return common::fail(common::ErrorCode::kTooLarge,
                          "a unit of " + std::to_string(bytesOf(unit)) +
                              " bytes does not fit in a transaction of " +
                              std::to_string(byte_limit) + " bytes",
                          unit.ops.empty() ? std::string() : unit.ops.front().key);
    }
  }
  int64_t revision = store.revision();
  size_t first = 0;
  while (first < units.size()) {
    Txn txn;
    if (guarded) txn.expect(guard.key, guard.mod_revision);
    std::set<std::string_view> keys;
    if (guarded) keys.insert(guard.key);
    size_t bytes = guard.key.size();
    size_t last = first;
    for (; last < units.size(); ++last) {
      const Txn& unit = units[last];
      std::set<std::string_view> unit_keys;
      addKeys(unit, unit_keys);
      size_t fresh = 0;
      for (const auto& key : unit_keys) fresh += keys.contains(key) ? 0 : 1;
      const size_t unit_bytes = bytesOf(unit);
      if (last > first && (txn.compares.size() + unit.compares.size() > limit ||
                           txn.ops.size() + unit.ops.size() > limit ||
                           keys.size() + fresh > limit || bytes + unit_bytes > byte_limit)) {
        break;
      }
      keys.insert(unit_keys.begin(), unit_keys.end());
      bytes += unit_bytes;
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
