#include "coordinator/edge/long_poll_waiters.h"

namespace photon::coordinator {

LongPollWaiters::Wake LongPollWaiters::take(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return {};
  Entry entry = std::move(it->second);
  entries_.erase(it);
  if (auto k = by_key_.find(entry.key); k != by_key_.end()) {
    k->second.erase(id);
    if (k->second.empty()) by_key_.erase(k);
  }
  if (!entry.holder.empty()) {
    auto h = by_holder_.find(entry.holder);
    if (h != by_holder_.end() && h->second == id) by_holder_.erase(h);
  }
  return std::move(entry.wake);
}

uint64_t LongPollWaiters::add(const std::string& key, const std::string& holder, Wake wake) {
  Wake released;
  uint64_t id;
  {
    common::MutexLock lock(mutex_);
    id = next_id_++;
    if (!holder.empty()) {
      if (auto h = by_holder_.find(holder); h != by_holder_.end()) released = take(h->second);
      by_holder_[holder] = id;
    }
    entries_.emplace(id, Entry{key, holder, std::move(wake)});
    by_key_[key].insert(id);
  }
  // Woken outside the lock: a wake may post to an executor that takes locks of its own.
  if (released) released();
  return id;
}

void LongPollWaiters::remove(uint64_t id) {
  common::MutexLock lock(mutex_);
  take(id);
}

size_t LongPollWaiters::notify(const std::vector<std::string>& keys) {
  std::vector<Wake> woken;
  {
    common::MutexLock lock(mutex_);
    for (const auto& key : keys) {
      auto k = by_key_.find(key);
      if (k == by_key_.end()) continue;
      std::vector<uint64_t> ids(k->second.begin(), k->second.end());
      for (uint64_t id : ids) woken.push_back(take(id));
    }
  }
  for (auto& wake : woken) wake();
  return woken.size();
}

size_t LongPollWaiters::notifyAll() {
  std::vector<Wake> woken;
  {
    common::MutexLock lock(mutex_);
    woken.reserve(entries_.size());
    for (auto& [id, entry] : entries_) woken.push_back(std::move(entry.wake));
    entries_.clear();
    by_key_.clear();
    by_holder_.clear();
  }
  for (auto& wake : woken) wake();
  return woken.size();
}

size_t LongPollWaiters::size() const {
  common::MutexLock lock(mutex_);
  return entries_.size();
}

}  // namespace photon::coordinator
