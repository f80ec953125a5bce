// A store that delegates to a real one and can be told to fail the reads of one key, as a
// store that errors (a lost etcd, a corrupt SQLite page) would: for the paths that must turn a
// failed read into a failed operation rather than act on half of what they meant to. It also
// counts the reads of each key, for a test of how often a path reads a document, and can run a
// write of the test's own just before a chosen commit (a concurrent writer that wins the race).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coordinator/store/store.h"

namespace photon::test {

class FaultyStore final : public coordinator::Store {
 public:
  explicit FaultyStore(std::unique_ptr<coordinator::Store> inner) : inner_(std::move(inner)) {}

  // Every get() of `key` fails (kUnavailable) until healed; empty: none does.
  void failGets(std::string key) {
    std::lock_guard lock(mutex_);
    failing_ = std::move(key);
  }
  void heal() { failGets({}); }
  // How many times get() was asked for `key` (failed reads included).
  size_t gets(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = gets_.find(key);
    return it == gets_.end() ? 0 : it->second;
  }

  // `write` runs once, just before the next commit that writes or erases `key` reaches the
  // store; every other commit, and those `write` makes, go straight through.
  void beforeCommitOf(std::string key, std::function<void()> write) {
    std::lock_guard lock(mutex_);
    hook_key_ = std::move(key);
    hook_ = std::move(write);
  }

  coordinator::Result<std::optional<coordinator::KeyValue>> get(const std::string& key) override {
    {
      std::lock_guard lock(mutex_);
      ++gets_[key];
      if (!failing_.empty() && key == failing_) {
        return common::fail(common::ErrorCode::kUnavailable, "the store failed this read");
      }
    }
    return inner_->get(key);
  }
  coordinator::Result<int64_t> modRevision(const std::string& key) override {
    return inner_->modRevision(key);
  }
  coordinator::Result<coordinator::RangeResult> range(const std::string& prefix) override {
    return inner_->range(prefix);
  }
  coordinator::Result<std::vector<coordinator::KeyRevision>> revisions(
      const std::string& prefix) override {
    return inner_->revisions(prefix);
  }
  coordinator::Result<int64_t> commit(const coordinator::Txn& txn) override {
    std::function<void()> write;
    {
      std::lock_guard lock(mutex_);
      const bool touches = std::any_of(txn.ops.begin(), txn.ops.end(),
                                       [&](const auto& op) { return op.key == hook_key_; });
      if (hook_ && touches) write.swap(hook_);
    }
    if (write) write();
    return inner_->commit(txn);
  }
  int64_t revision() override { return inner_->revision(); }
  size_t maxTxnOps() const override { return inner_->maxTxnOps(); }
  int64_t waitForChange(const std::string& key, int64_t known,
                        std::chrono::milliseconds timeout) override {
    return inner_->waitForChange(key, known, timeout);
  }
  void setChangeListener(ChangeListener listener) override {
    inner_->setChangeListener(std::move(listener));
  }
  std::vector<Counter> counters() const override { return inner_->counters(); }

 private:
  std::unique_ptr<coordinator::Store> inner_;
  mutable std::mutex mutex_;
  std::string failing_;
  std::map<std::string, size_t> gets_;
  std::string hook_key_;
  std::function<void()> hook_;
};

}  // namespace photon::test
