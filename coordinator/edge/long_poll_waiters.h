// Who is parked on which store key: the edge registers each held long-poll here with a way to
// wake it, and a store change wakes exactly the polls on the keys it touched. No threads wait
// here; a wake only posts to the held request's own connection.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/mutex.h"

namespace photon::coordinator {

class LongPollWaiters {
 public:
  using Wake = std::function<void()>;

  // Parks a poll on `key`. A non-empty `holder` (a node) holds at most one poll: the one it held
  // before is woken now, so that an agent that reconnected does not leave a stale poll behind.
  // Returns the id to remove() it with.
  uint64_t add(const std::string& key, const std::string& holder, Wake wake);
  // Unparks a poll that ended on its own (timeout, connection gone). Unknown ids are ignored.
  void remove(uint64_t id);
  // Wakes and unparks every poll on one of `keys`; returns how many.
  size_t notify(const std::vector<std::string>& keys);
  // Wakes and unparks every poll (the whole key space was reloaded, or the server stops).
  size_t notifyAll();
  size_t size() const;

 private:
  struct Entry {
    std::string key;
    std::string holder;
    Wake wake;
  };
  // Takes entry `id` out of every index; returns its wake (empty when unknown).
  Wake take(uint64_t id) REQUIRES(mutex_);

  mutable common::Mutex mutex_;
  uint64_t next_id_ GUARDED_BY(mutex_) = 1;
  std::unordered_map<uint64_t, Entry> entries_ GUARDED_BY(mutex_);
  std::unordered_map<std::string, std::unordered_set<uint64_t>> by_key_ GUARDED_BY(mutex_);
  std::unordered_map<std::string, uint64_t> by_holder_ GUARDED_BY(mutex_);
};

}  // namespace photon::coordinator
