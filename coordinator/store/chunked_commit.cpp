#include "coordinator/store/chunked_commit.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <system_error>
#include <thread>

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
                               size_t max_ops, const ChunkCommitted& committed,
                               size_t concurrency) {
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
  // The chunks, packed in order (the guard's compare is added as each is committed).
  struct Chunk {
    size_t first = 0, last = 0;
    Txn txn;
    bool writes_guard = false;
  };
  std::vector<Chunk> chunks;
  for (size_t first = 0; first < units.size();) {
    Chunk chunk;
    chunk.first = first;
    std::set<std::string_view> keys;
    if (guarded) keys.insert(guard.key);
    size_t bytes = guard.key.size();
    size_t compares = guarded ? 1 : 0;
    size_t last = first;
    for (; last < units.size(); ++last) {
      const Txn& unit = units[last];
      std::set<std::string_view> unit_keys;
      addKeys(unit, unit_keys);
      size_t fresh = 0;
      for (const auto& key : unit_keys) fresh += keys.contains(key) ? 0 : 1;
      const size_t unit_bytes = bytesOf(unit);
      if (last > first && (compares + unit.compares.size() > limit ||
                           chunk.txn.ops.size() + unit.ops.size() > limit ||
                           keys.size() + fresh > limit || bytes + unit_bytes > byte_limit)) {
        break;
      }
      keys.insert(unit_keys.begin(), unit_keys.end());
      bytes += unit_bytes;
      compares += unit.compares.size();
      chunk.txn.compares.insert(chunk.txn.compares.end(), unit.compares.begin(),
                                unit.compares.end());
      chunk.txn.ops.insert(chunk.txn.ops.end(), unit.ops.begin(), unit.ops.end());
    }
    chunk.last = last;
    for (const auto& op : chunk.txn.ops) chunk.writes_guard |= guarded && op.key == guard.key;
    chunks.push_back(std::move(chunk));
    first = last;
  }

  int64_t revision = store.revision();
  auto guardedTxn = [&](const Chunk& chunk) {
    Txn txn;
    if (guarded) txn.expect(guard.key, guard.mod_revision);
    txn.compares.insert(txn.compares.end(), chunk.txn.compares.begin(), chunk.txn.compares.end());
    txn.ops = chunk.txn.ops;
    return txn;
  };
  size_t next = 0;
  // The chunks before the first that writes the guard, and before the last (what a caller orders
  // last, such as an index entry erased once everything else is, stays last): up to
  // `concurrency` in flight.
  const size_t independent =
      std::min(static_cast<size_t>(std::find_if(chunks.begin(), chunks.end(),
                                                [](const Chunk& c) { return c.writes_guard; }) -
                                   chunks.begin()),
               chunks.empty() ? size_t{0} : chunks.size() - 1);
  while (concurrency > 1 && independent - next > 1) {
    const size_t batch = std::min(concurrency, independent - next);
    std::vector<Txn> txns;
    for (size_t i = 0; i < batch; ++i) txns.push_back(guardedTxn(chunks[next + i]));
    std::vector<std::optional<Result<int64_t>>> done(batch);
    {
      std::vector<std::jthread> flight;
      for (size_t i = 1; i < batch; ++i) {
        try {
          flight.emplace_back([&, i] { done[i] = store.commit(txns[i]); });
        } catch (const std::system_error&) {
          done[i] = store.commit(txns[i]);  // no thread to be had: this one in turn
        }
      }
      done[0] = store.commit(txns[0]);
    }  // joined
    std::optional<common::Error> failed;
    for (size_t i = 0; i < batch; ++i) {
      const Result<int64_t>& r = *done[i];
      if (!r) {
        if (!failed) failed = r.error();
        continue;
      }
      revision = std::max(revision, *r);
      if (committed) committed(chunks[next + i].first, chunks[next + i].last, *r);
    }
    if (failed) return std::unexpected(*failed);
    next += batch;
  }
  for (; next < chunks.size(); ++next) {
    const Chunk& chunk = chunks[next];
    auto done = store.commit(guardedTxn(chunk));
    if (!done) return std::unexpected(done.error());
    revision = *done;
    if (chunk.writes_guard) {
      for (const auto& op : chunk.txn.ops) {
        if (op.key == guard.key) guard.mod_revision = op.is_delete ? 0 : revision;
      }
    }
    if (committed) committed(chunk.first, chunk.last, revision);
  }
  return revision;
}

}  // namespace photon::coordinator
