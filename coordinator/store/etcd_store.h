// The store on etcd v3, for several coordinators sharing one state. Every write is an etcd
// txn guarded by mod_revision compares, acknowledged once etcd has committed it to a quorum.
// Like the SQLite store, the key space under the prefix is mirrored in memory — loaded once,
// then followed with a watch — so reads and the agents' long-polls cost no round trip, and a
// write made through another coordinator wakes this one's waiters.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "coordinator/store/etcd_client.h"
#include "coordinator/store/key_mirror.h"
#include "coordinator/store/store.h"

namespace photon::coordinator {

class EtcdStore final : public Store {
 public:
  // Loads every key under `prefix` ("/photon/kv/") and starts following them. Every
  // `progress_check` the watch is checked against etcd: a member that hangs without closing
  // the stream would otherwise leave the mirror behind until this coordinator's next write.
  [[nodiscard]] static Result<std::unique_ptr<EtcdStore>> open(
      std::shared_ptr<EtcdClient> client, std::string prefix,
      std::chrono::milliseconds progress_check = std::chrono::seconds(5));
  ~EtcdStore() override;

  Result<std::optional<KeyValue>> get(const std::string& key) override;
  Result<int64_t> modRevision(const std::string& key) override;
  Result<std::vector<KeyRevision>> revisions(const std::string& prefix) override;
  Result<RangeResult> range(const std::string& prefix) override;
  // After a write returns, this coordinator's own reads see it (the mirror has caught up).
  Result<int64_t> commit(const Txn& txn) override;
  int64_t revision() override;
  size_t maxTxnOps() const override { return client_->options().max_txn_ops; }
  // Each commit waits for its quorum write and for the watch to bring it back: a chunked
  // write's independent chunks overlap those waits.
  size_t concurrentCommits() const override { return 8; }
  int64_t waitForChange(const std::string& key, int64_t known_mod_revision,
                        std::chrono::milliseconds timeout) override;
  void setChangeListener(ChangeListener listener) override {
    mirror_.setListener(std::move(listener));
  }

  std::vector<Counter> counters() const override;

 private:
  EtcdStore(std::shared_ptr<EtcdClient> client, std::string prefix);
  Result<void> load();
  void watchLoop();
  // Applies one line of the watch stream; false ends the stream (error, compaction).
  bool applyWatchLine(const std::string& line);
  bool stopping() const { return stopping_.load(); }
  // Waits (bounded) until the mirror holds `revision`, so this coordinator reads its own write.
  int64_t caughtUp(int64_t revision);
  // The kConflict for `key`, once the mirror has seen the key move (bounded).
  Result<int64_t> conflict(const Txn& txn, const std::string& key);

  std::shared_ptr<EtcdClient> client_;
  std::string prefix_;
  // Every event under the prefix up to the mirror's revision is in it.
  KeyMirror mirror_;
  std::atomic<bool> resync_needed_{false};  // the watch fell behind a compaction
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> watch_restarts_{0};
  std::atomic<uint64_t> unknown_outcomes_{0};
  std::atomic<bool> watch_answered_{true};  // the watch delivered a line since it last broke
  std::thread watch_thread_;
  // The newest mod_revision under the prefix, as etcd has it now.
  Result<int64_t> newestModRevision();
  void progressLoop(std::chrono::milliseconds every);
  std::mutex progress_mutex_;
  std::condition_variable progress_cv_;
  std::thread progress_thread_;
};

}  // namespace photon::coordinator
