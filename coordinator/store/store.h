// The coordinator's store: keys with JSON values, a revision per write, transactions guarded by
// each key's mod_revision. The model is etcd v3's, so that SQLite (embedded, the default) and
// etcd (for HA) sit behind the same interface.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace photon::coordinator {

using common::Result;

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
};

// A key and the revision of its last change, without its value.
struct KeyRevision {
  std::string key;
  int64_t mod_revision = 0;
};

struct Txn {
  struct Compare {
    std::string key;
    int64_t mod_revision = 0;  // 0: the key must not exist
  };
  struct Op {
    bool is_delete = false;
    std::string key;
    std::string value;
  };
  std::vector<Compare> compares;
  std::vector<Op> ops;

  Txn& expect(std::string key, int64_t mod_revision) {
    compares.push_back({std::move(key), mod_revision});
    return *this;
  }
  Txn& expectAbsent(std::string key) { return expect(std::move(key), 0); }
  Txn& put(std::string key, std::string value) {
    ops.push_back({false, std::move(key), std::move(value)});
    return *this;
  }
  Txn& erase(std::string key) {
    ops.push_back({true, std::move(key), {}});
    return *this;
  }
};

struct RangeResult {
  std::vector<KeyValue> kvs;
  int64_t revision = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  [[nodiscard]] virtual Result<std::optional<KeyValue>> get(const std::string& key) = 0;
  // A key's mod_revision (0: absent) without a copy of its value: what an agent's 304 needs.
  [[nodiscard]] virtual Result<int64_t> modRevision(const std::string& key) {
    auto kv = get(key);
    if (!kv) return std::unexpected(kv.error());
    const std::optional<KeyValue>& found = *kv;
    return found ? found->mod_revision : 0;
  }
  // Every key that starts with `prefix`, in key order, and the revision they were read at.
  [[nodiscard]] virtual Result<RangeResult> range(const std::string& prefix) = 0;
  // The keys under `prefix` with their mod_revisions, no values: for a caller that keeps what
  // it parsed and reads again only the documents that moved.
  [[nodiscard]] virtual Result<std::vector<KeyRevision>> revisions(const std::string& prefix) {
    auto all = range(prefix);
    if (!all) return std::unexpected(all.error());
    std::vector<KeyRevision> out;
    out.reserve(all->kvs.size());
    for (auto& kv : all->kvs) out.push_back(KeyRevision{std::move(kv.key), kv.mod_revision});
    return out;
  }
  // Applies every op when every compare holds, else nothing: a kConflict error whose field is
  // the key that moved. Returns the new revision once the write is durable.
  [[nodiscard]] virtual Result<int64_t> commit(const Txn& txn) = 0;
  virtual int64_t revision() = 0;
  // The most compares, and the most ops, one transaction may carry (0: no limit). etcd refuses
  // more than its --max-txn-ops (128 by default); a writer of many keys splits its writes.
  virtual size_t maxTxnOps() const { return 0; }
  // How many transactions of one writer are worth having in flight at once: a store whose
  // commit waits for a quorum (etcd) overlaps their round trips; a local file (SQLite) gains
  // nothing, its commits are serialised anyway.
  virtual size_t concurrentCommits() const { return 1; }
  // Waits until `key`'s mod_revision is no longer `known_mod_revision` (deleted counts as 0),
  // or the timeout passes. Returns the key's mod_revision then.
  virtual int64_t waitForChange(const std::string& key, int64_t known_mod_revision,
                                std::chrono::milliseconds timeout) = 0;

  // Called after every change the store's memory sees (this coordinator's writes and, with
  // etcd, everyone's), with the keys that changed, or with `everything` after a full reload.
  // The edge answers held long-polls from it. Set once, before serving; it must not block.
  using ChangeListener = std::function<void(const std::vector<std::string>& keys, bool everything)>;
  virtual void setChangeListener(ChangeListener listener) = 0;

  // The backend's own counters for /metrics.
  struct Counter {
    std::string name;  // photon_..._total
    std::string help;
    double value = 0;
  };
  virtual std::vector<Counter> counters() const { return {}; }
};

}  // namespace photon::coordinator
