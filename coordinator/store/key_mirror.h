// The key space held in memory, as both stores keep it: reads and the agents' long-polls are
// served from here, and a change wakes whoever waits on its key. The SQLite store fills it from
// its own commits; the etcd store from a watch, so that writes through other coordinators count.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

struct KeyChange {
  bool is_delete = false;
  KeyValue kv;  // mod_revision set; create_revision 0: kept from before, or mod_revision if new
};

class KeyMirror {
 public:
  std::optional<KeyValue> get(const std::string& key) const;
  RangeResult range(const std::string& prefix) const;
  std::vector<KeyRevision> revisions(const std::string& prefix) const;
  // The newest revision applied: its changes are readable here, but the listener may not have
  // named their keys yet (apply() publishes first, then tells). A view kept from the feed that
  // reads it may so count a change it has not been told of; waitForRevision() waits for the
  // telling. Publishing first is what a held poll needs: it registers, then checks the
  // revision, so a change either shows in that check or wakes it after.
  int64_t revision() const;
  int64_t modRevision(const std::string& key) const;

  // Applies changes newer than the mirror's revision, moves the revision to the newest, and
  // wakes the waiters.
  void apply(std::vector<KeyChange> changes);
  // Replaces everything (a full load) at `revision`.
  void replace(std::map<std::string, KeyValue> kvs, int64_t revision);
  // See Store::setChangeListener.
  void setListener(Store::ChangeListener listener);
  // Wakes every waiter now and from now on (shutdown).
  void stop();

  // Until `key`'s mod_revision is no longer `known_mod_revision` (0: absent) or the timeout;
  // returns the key's mod_revision then.
  int64_t waitForChange(const std::string& key, int64_t known_mod_revision,
                        std::chrono::milliseconds timeout);
  // Until the mirror's revision reaches `revision`; false on timeout or stop.
  bool waitForRevision(int64_t revision, std::chrono::milliseconds timeout);

 private:
  // Wakes the waiters once the listener has heard of everything up to `told`.
  void notify(int64_t told);
  void tell(const std::vector<std::string>& keys, bool everything);

  void index() REQUIRES(mutex_);

  mutable common::SharedMutex mutex_;
  // Point reads (every agent poll makes two or three) by hash: in an ordered map of 50,000 keys
  // a lookup is 16 cache misses on keys that share long prefixes ("desired/node-…"). The
  // ordered view serves ranges; it points into kvs_, whose nodes never move.
  std::unordered_map<std::string, KeyValue> kvs_ GUARDED_BY(mutex_);
  std::map<std::string_view, const KeyValue*> ordered_ GUARDED_BY(mutex_);
  int64_t revision_ GUARDED_BY(mutex_) = 0;

  common::Mutex change_mutex_;
  std::condition_variable changed_;
  bool stopping_ GUARDED_BY(change_mutex_) = false;
  // The newest revision the listener has been told of: what waitForRevision waits for, so that
  // a commit returns only after everyone who remembers something about its keys heard of it
  // (a revoked token's remembered caller, above all). revision_ moves before the listener runs.
  int64_t told_revision_ GUARDED_BY(change_mutex_) = 0;

  common::Mutex listener_mutex_;
  std::shared_ptr<const Store::ChangeListener> listener_ GUARDED_BY(listener_mutex_);
};

}  // namespace photon::coordinator
