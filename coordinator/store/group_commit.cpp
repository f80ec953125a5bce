#include "coordinator/store/group_commit.h"

#include <algorithm>

namespace photon::coordinator {
namespace {
bool isConflict(const common::Error& e) {
  return e.code == common::ErrorCode::kConflict;
}
}  // namespace

GroupCommit::GroupCommit(Store& store, GroupCommitLimits limits)
    : store_(store), limits_([&] {
        if (limits.max_in_flight == 0)
          limits.max_in_flight = std::max<size_t>(1, store.commitsInFlight());
        return limits;
      }()) {}

bool GroupCommit::pending(const std::string& key) const {
  std::lock_guard lock(mutex_);
  return pending_keys_.contains(key);
}

size_t GroupCommit::pendingPuts(const std::string& prefix) const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (auto it = pending_puts_.lower_bound(prefix);
       it != pending_puts_.end() && it->first.starts_with(prefix); ++it) {
    ++n;
  }
  return n;
}

std::string GroupCommit::pendingKeyOf(const Txn& txn) const {
  std::lock_guard lock(mutex_);
  if (pending_keys_.empty()) return {};
  for (const auto& c : txn.compares) {
    if (pending_keys_.contains(c.key)) return c.key;
  }
  for (const auto& op : txn.ops) {
    if (pending_keys_.contains(op.key)) return op.key;
  }
  return {};
}

void GroupCommit::waitUntilCommitted(const std::string& key) {
  std::unique_lock lock(mutex_);
  while (pending_keys_.contains(key)) {
    // A queued group may have no leader yet, and this thread can be it.
    if (!leadIfIdle(lock)) done_.wait(lock);
  }
}

void GroupCommit::hold(const Txn& txn, int delta) {
  auto count = [delta](std::map<std::string, int>& m, const std::string& key) {
    int& n = m[key];
    n += delta;
    if (n <= 0) m.erase(key);
  };
  for (const auto& c : txn.compares) count(pending_keys_, c.key);
  for (const auto& op : txn.ops) {
    count(pending_keys_, op.key);
    if (!op.is_delete) count(pending_puts_, op.key);
  }
}

GroupCommit::Ticket GroupCommit::enqueue(Txn txn) {
  auto slot = std::make_shared<GroupCommitSlot>();
  slot->txn = std::move(txn);
  std::lock_guard lock(mutex_);
  hold(slot->txn, +1);
  queued_.push_back(slot);
  return slot;
}

std::vector<GroupCommit::Ticket> GroupCommit::takeGroup() {
  ++in_flight_;
  stats_.most_in_flight = std::max<uint64_t>(stats_.most_in_flight, in_flight_);
  std::vector<Ticket> group;
  size_t ops = 0, compares = 0;
  size_t taken = 0;
  for (; taken < queued_.size(); ++taken) {
    const Txn& t = queued_[taken]->txn;
    if (!group.empty() && (ops + t.ops.size() > limits_.max_ops ||
                           compares + t.compares.size() > limits_.max_compares)) {
      break;
    }
    ops += t.ops.size();
    compares += t.compares.size();
    group.push_back(queued_[taken]);
  }
  queued_.erase(queued_.begin(), queued_.begin() + static_cast<std::ptrdiff_t>(taken));
  return group;
}

std::vector<Result<int64_t>> GroupCommit::commitGroup(const std::vector<Ticket>& group,
                                                      bool* split) {
  std::vector<Result<int64_t>> results;
  if (group.size() == 1) {
    results.push_back(store_.commit(group.front()->txn));
    return results;
  }
  Txn combined;
  for (const auto& member : group) {
    combined.compares.insert(combined.compares.end(), member->txn.compares.begin(),
                             member->txn.compares.end());
    combined.ops.insert(combined.ops.end(), member->txn.ops.begin(), member->txn.ops.end());
  }
  auto together = store_.commit(combined);
  if (together || !isConflict(together.error())) {
    results.assign(group.size(), together);
    return results;
  }
  // Some member read something stale: the others need not pay for it.
  *split = true;
  for (const auto& member : group) results.push_back(store_.commit(member->txn));
  return results;
}

Result<int64_t> GroupCommit::wait(const Ticket& ticket) {
  std::unique_lock lock(mutex_);
  while (!ticket->done) {
    if (!leadIfIdle(lock)) done_.wait(lock);
  }
  return ticket->result;
}

bool GroupCommit::leadIfIdle(std::unique_lock<std::mutex>& lock) {
  if (in_flight_ >= limits_.max_in_flight || queued_.empty()) return false;
  auto group = takeGroup();
  lock.unlock();
  bool split = false;
  auto results = commitGroup(group, &split);
  lock.lock();
  for (size_t i = 0; i < group.size(); ++i) {
    group[i]->result = std::move(results[i]);
    group[i]->done = true;
    hold(group[i]->txn, -1);
  }
  --in_flight_;
  ++stats_.groups;
  stats_.members += group.size();
  if (split) ++stats_.split;
  done_.notify_all();
  return true;
}

GroupCommit::Stats GroupCommit::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace photon::coordinator
