// Leader election on an etcd lease: the coordinator that creates the leader key, attached to
// its lease, leads until the lease ends. It keeps the lease alive at a third of the TTL, and
// counts itself leader only until the TTL after the last keepalive it *sent* has passed by its
// own clock — etcd can expire the lease no sooner than that, so two coordinators never both
// believe they lead. The others look for the key every tenth of the TTL (every 250 ms at most)
// and take over when it is gone; a coordinator that stops cleanly revokes its lease so that takes
// no wait at all.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/mutex.h"
#include "coordinator/control/leadership.h"
#include "coordinator/store/etcd_client.h"

namespace photon::coordinator {

struct ElectionOptions {
  std::string key;  // the leader key, e.g. "/photon/leader"
  std::string id;   // this coordinator, as /health shows the leader
  std::chrono::seconds ttl{10};
};

class EtcdLeadership final : public Leadership {
 public:
  EtcdLeadership(std::shared_ptr<EtcdClient> client, ElectionOptions options);
  // Resigns (revokes the lease) if leading.
  ~EtcdLeadership() override;

  // Starts campaigning on a thread of its own. `id` replaces the options' when not empty
  // (main knows its port only once listening).
  void start(std::string id = {});
  void stop();

  bool isLeader() const override;
  std::string leaderId() const override;
  uint64_t changes() const override { return changes_.load(); }

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;
  void loop();
  void campaign();
  void keepAlive();
  void stepDown(const std::string& why);
  void resign();
  void setLeaderId(std::string id);
  // Logs a problem of the election loop when it differs from the last one ("" when all is well).
  void noteProblem(const std::string& problem);

  std::shared_ptr<EtcdClient> client_;
  ElectionOptions options_;

  std::atomic<bool> leading_{false};
  std::atomic<int64_t> valid_until_ns_{0};  // steady clock; leading only before this
  std::atomic<uint64_t> changes_{0};
  int64_t lease_ = 0;         // loop thread only
  std::string last_problem_;  // loop thread only

  mutable common::Mutex id_mutex_;
  std::string leader_id_ GUARDED_BY(id_mutex_);

  common::Mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ GUARDED_BY(stop_mutex_) = false;
  std::thread thread_;
};

}  // namespace photon::coordinator
