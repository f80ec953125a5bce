// Group commit: transactions that arrive while one store write is under way wait and go
// together in the next one, so that N writers pay about one quorum round trip (etcd) or one
// fsync (SQLite) instead of N. The members of a group touch disjoint keys (a caller checks
// touchesPending() before enqueue(), under its own lock), so one combined transaction means the
// same as the members one after another. When the combined one meets a conflict, each member is
// committed alone, so that one member's stale read fails only that member.
//
// Several groups may be in flight at once (the store's commitsInFlight()): on etcd a group's
// time is mostly waiting for the members' fsyncs, and etcd's raft puts proposals that arrive
// together in one fsync, so a second group sent meanwhile costs little. Groups in flight are
// disjoint too (every key of a queued or committing transaction counts as pending), so their
// order does not matter.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "coordinator/store/store.h"

namespace photon::coordinator {

struct GroupCommitLimits {
  // etcd refuses a transaction with more than --max-txn-ops (default 128) compares or ops.
  size_t max_ops = 120;
  size_t max_compares = 120;
  // Groups committing at once; 0: as many as the store takes well (Store::commitsInFlight).
  size_t max_in_flight = 0;
};

class GroupCommit {
 public:
  explicit GroupCommit(Store& store, GroupCommitLimits limits = {});

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
    uint64_t groups = 0;          // store commits of combined transactions
    uint64_t members = 0;         // transactions they carried
    uint64_t split = 0;           // groups committed member by member after a conflict
    uint64_t most_in_flight = 0;  // the most groups ever committing at once
  };
  Stats stats() const;

 private:
  std::vector<Ticket> takeGroup();  // under the lock
  // With the lock held and fewer than max_in_flight groups committing, commits the next group
  // (dropping the lock meanwhile) and returns true; false when there is nothing to lead.
  bool leadIfIdle(std::unique_lock<std::mutex>& lock);
  // Without the lock: commits the group, one transaction or, after a conflict, one by one.
  std::vector<Result<int64_t>> commitGroup(const std::vector<Ticket>& group, bool* split);
  void hold(const Txn& txn, int delta);  // under the lock

  Store& store_;
  const GroupCommitLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  size_t in_flight_ = 0;  // groups committing now
  std::vector<Ticket> queued_;
  std::map<std::string, int> pending_keys_;  // key -> uncommitted transactions holding it
  std::map<std::string, int> pending_puts_;
  Stats stats_;
};

struct GroupCommitSlot {
  Txn txn;
  bool done = false;
  Result<int64_t> result = 0;
};

}  // namespace photon::coordinator
