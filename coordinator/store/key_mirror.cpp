#include "coordinator/store/key_mirror.h"

namespace photon::coordinator {

std::optional<KeyValue> KeyMirror::get(const std::string& key) const {
  common::ReaderLock lock(mutex_);
  auto it = kvs_.find(key);
  if (it == kvs_.end()) return std::nullopt;
  return it->second;
}

RangeResult KeyMirror::range(const std::string& prefix) const {
  common::ReaderLock lock(mutex_);
  RangeResult out;
  out.revision = revision_;
  for (auto it = ordered_.lower_bound(prefix); it != ordered_.end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    out.kvs.push_back(*it->second);
  }
  return out;
}

std::vector<KeyRevision> KeyMirror::revisions(const std::string& prefix) const {
  common::ReaderLock lock(mutex_);
  std::vector<KeyRevision> out;
  for (auto it = ordered_.lower_bound(prefix); it != ordered_.end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    out.push_back(KeyRevision{std::string(it->first), it->second->mod_revision});
  }
  return out;
}

int64_t KeyMirror::revision() const {
  common::ReaderLock lock(mutex_);
  return revision_;
}

int64_t KeyMirror::modRevision(const std::string& key) const {
  common::ReaderLock lock(mutex_);
  auto it = kvs_.find(key);
  return it == kvs_.end() ? 0 : it->second.mod_revision;
}

void KeyMirror::apply(std::vector<KeyChange> changes) {
  std::vector<std::string> changed;
  int64_t newest = 0;
  {
    common::WriterLock lock(mutex_);
    newest = revision_;
    for (auto& change : changes) {
      int64_t at = change.kv.mod_revision;
      if (at <= revision_) continue;  // already here (a load that came after it)
      newest = std::max(newest, at);
      changed.push_back(change.kv.key);
      if (change.is_delete) {
        if (auto it = kvs_.find(change.kv.key); it != kvs_.end()) {
          ordered_.erase(it->first);
          kvs_.erase(it);
        }
        continue;
      }
      auto [it, inserted] = kvs_.try_emplace(change.kv.key);
      int64_t created = change.kv.create_revision;
      if (created == 0) created = inserted ? at : it->second.create_revision;
      it->second = std::move(change.kv);
      it->second.create_revision = created;
      if (inserted) ordered_.emplace(it->first, &it->second);
    }
    revision_ = newest;
  }
  // The listener first, the waiters after: a commit returns only once everyone who remembers
  // something about these keys has heard of them (a revoked token's remembered caller, above all).
  if (!changed.empty()) tell(changed, false);
  notify(newest);
}

void KeyMirror::replace(std::map<std::string, KeyValue> kvs, int64_t revision) {
  {
    common::WriterLock lock(mutex_);
    kvs_.clear();
    kvs_.reserve(kvs.size());
    for (auto& [key, kv] : kvs) kvs_.emplace(key, std::move(kv));
    index();
    revision_ = revision;
  }
  tell({}, true);  // before the waiters, as in apply()
  notify(revision);
}

void KeyMirror::index() {
  ordered_.clear();
  for (const auto& [key, kv] : kvs_) ordered_.emplace(key, &kv);
}

void KeyMirror::setListener(Store::ChangeListener listener) {
  common::MutexLock lock(listener_mutex_);
  listener_ = std::make_shared<const Store::ChangeListener>(std::move(listener));
}

void KeyMirror::tell(const std::vector<std::string>& keys, bool everything) {
  std::shared_ptr<const Store::ChangeListener> listener;
  {
    common::MutexLock lock(listener_mutex_);
    listener = listener_;
  }
  if (listener && *listener) (*listener)(keys, everything);
}

void KeyMirror::stop() {
  {
    common::MutexLock lock(change_mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
}

void KeyMirror::notify(int64_t told) {
  {
    // Taken so that a waiter between its check and its wait does not miss this.
    common::MutexLock lock(change_mutex_);
    told_revision_ = std::max(told_revision_, told);
  }
  changed_.notify_all();
}

int64_t KeyMirror::waitForChange(const std::string& key, int64_t known_mod_revision,
                                 std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  common::MutexLock lock(change_mutex_);
  int64_t now_rev = modRevision(key);
  while (now_rev == known_mod_revision && !stopping_) {
    if (lock.waitUntil(changed_, deadline) == std::cv_status::timeout) return modRevision(key);
    now_rev = modRevision(key);
  }
  return now_rev;
}

bool KeyMirror::waitForRevision(int64_t revision, std::chrono::milliseconds timeout) {
  common::MutexLock lock(change_mutex_);
  return lock.waitFor(changed_, timeout, [&] {
    change_mutex_.assertHeld();  // the predicate runs under the lock
    return stopping_ || told_revision_ >= revision;
  }) && told_revision_ >= revision;
}

}  // namespace photon::coordinator
