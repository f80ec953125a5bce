// Group commit: transactions that arrive while one store write is under way wait and go
// together in the next one, so that N writers pay about one quorum round trip (etcd) or one
// fsync (SQLite) instead of N. The members of a group touch disjoint keys (a caller checks
// touchesPending() before enqueue(), under its own lock), so one combined transaction means the
// same as the members one after another. When the combined one meets a conflict, each member is
// committed alone, so that one member's stale read fails only that member.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

struct GroupCommitLimits {
  // etcd refuses a transaction with more than --max-txn-ops (default 128) compares or ops.
  size_t max_ops = 120;
  size_t max_compares = 120;
};

class GroupCommit {
 public:
  explicit GroupCommit(Store& store, GroupCommitLimits limits = {})
      : store_(store), limits_(limits) {}

  // Whether `key` is written or compared by a transaction not yet committed.
  bool pending(const std::string& key) const;
  // How many keys starting with `prefix` uncommitted transactions put.
  size_t pendingPuts(const std::string& prefix) const;
  // A key `txn` compares or writes that an uncommitted transaction holds: the caller's read of
  // it may be stale, so it waits (waitUntilCommitted) and reads again. Empty when none.
  std::string pendingKeyOf(const Txn& txn) const;
  // Until no uncommitted transaction holds `key`.
  void waitUntilCommitted(const std::string& key);

  using Ticket = std::shared_ptr<struct GroupCommitSlot>;
  // Queues `txn`; from now on its keys count as pending.
  Ticket enqueue(Txn txn);
  // Commits the ticket's transaction, leading a group or waiting for the one it is in; the
  // store's revision after it, or its error (kConflict: this member's compare failed).
  [[nodiscard]] Result<int64_t> wait(const Ticket& ticket);

  struct Stats {
    uint64_t groups = 0;   // store commits of combined transactions
    uint64_t members = 0;  // transactions they carried
    uint64_t split = 0;    // groups committed member by member after a conflict
  };
  Stats stats() const;

 private:
  std::vector<Ticket> takeGroup() REQUIRES(mutex_);
  // With the lock held and nobody committing, commits the next group (dropping the lock
  // meanwhile) and returns true; false when there is nothing to lead.
  bool leadIfIdle() REQUIRES(mutex_);
  // Without the lock: commits the group, one transaction or, after a conflict, one by one.
  std::vector<Result<int64_t>> commitGroup(const std::vector<Ticket>& group, bool* split);
  void hold(const Txn& txn, int delta) REQUIRES(mutex_);

  Store& store_;
  const GroupCommitLimits limits_;
  mutable common::Mutex mutex_;
  std::condition_variable done_;
  bool committing_ GUARDED_BY(mutex_) = false;
  std::vector<Ticket> queued_ GUARDED_BY(mutex_);
  // key -> uncommitted transactions holding it
  std::map<std::string, int> pending_keys_ GUARDED_BY(mutex_);
  std::map<std::string, int> pending_puts_ GUARDED_BY(mutex_);
  Stats stats_ GUARDED_BY(mutex_);
};

struct GroupCommitSlot {
  Txn txn;
  // Both under the GroupCommit's mutex_ (not annotated: the analysis names a capability of the
  // same object only).
  bool done = false;
  Result<int64_t> result = 0;
};

}  // namespace photon::coordinator
