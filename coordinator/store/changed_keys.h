// What the store's change feed named since a reader last looked: the keys it cares for, or
// "everything" (a full reload, a takeover, a failed sync). The in-memory views kept from the
// feed (the placement world, the VM ledger, the deadline sweep) each hold one, under its own
// lock apart from the view, so that the store's watch thread never waits on a view's sync.
#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace photon::coordinator {

class ChangedKeys {
 public:
  // `wanted`: whether a changed key is one the reader keeps.
  explicit ChangedKeys(std::function<bool(std::string_view)> wanted) : wanted_(std::move(wanted)) {}

  // From now on the feed names every change; what came before it is unknown (everything).
  void attach() {
    std::lock_guard lock(mutex_);
    fed_ = true;
    everything_ = true;
  }
  // The feed's call (Store::ChangeListener).
  void note(const std::vector<std::string>& keys, bool everything) {
    std::lock_guard lock(mutex_);
    if (everything) {
      invalidateLocked();
      return;
    }
    if (everything_) return;  // the next take reads it all anyway
    for (const auto& key : keys) {
      if (wanted_(key)) keys_.insert(key);
    }
  }
  // The next take says everything.
  void invalidate() {
    std::lock_guard lock(mutex_);
    invalidateLocked();
  }

  struct Taken {
    bool fed = false;         // attach() was called: without it the keys say nothing
    bool everything = false;  // read it all
    std::set<std::string> keys;
  };
  // What was noted since the last take, and forgets it.
  Taken take() {
    std::lock_guard lock(mutex_);
    Taken taken{fed_, everything_, {}};
    everything_ = false;
    taken.keys.swap(keys_);
    return taken;
  }

 private:
  void invalidateLocked() {
    everything_ = true;
    keys_.clear();
  }

  const std::function<bool(std::string_view)> wanted_;
  std::mutex mutex_;
  bool fed_ = false;
  bool everything_ = true;
  std::set<std::string> keys_;
};

}  // namespace photon::coordinator
