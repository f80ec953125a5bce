// Shares liveness between coordinators on one store (etcd): every TTL/4 this coordinator writes
// the polls it answered as one document, liveness/<its id> (a batch, not a write per poll), and
// every half second (or TTL/4, when shorter) it merges every coordinator's document into its
// LivenessTracker. So the leader sees the agents that poll a follower, a coordinator that takes
// over knows who was alive, and `photonctl nodes` shows the same liveness whichever coordinator it
// asks. A document not rewritten within a TTL is ignored (its coordinator stopped), and the
// leader deletes one left for ten TTLs.
//
// With SQLite there is one coordinator and nothing to share: the server does not start this.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "coordinator/inventory/inventory.h"
#include "coordinator/inventory/liveness_document.h"

namespace photon::coordinator {

struct LivenessSharingStats {
  uint64_t published = 0;         // documents written
  uint64_t publish_failures = 0;  // writes the store refused or did not answer
  int64_t last_document_bytes = 0;
  int64_t coordinators = 0;  // fresh documents in the last merge (this one's included)
};

class LivenessSharing {
 public:
  // `leading`: whether this coordinator leads now (only the leader removes dead documents).
  LivenessSharing(Inventory& inventory, Store& store, LivenessTracker& tracker,
                  std::string coordinator_id, std::function<bool()> leading);
  ~LivenessSharing();
  LivenessSharing(const LivenessSharing&) = delete;
  LivenessSharing& operator=(const LivenessSharing&) = delete;

  void start();
  void stop();

  // One publication / one merge now (the loop calls these; tests may too).
  common::Status publish();
  common::Status merge();

  LivenessSharingStats stats() const;
  const std::string& coordinatorId() const { return id_; }

 private:
  void loop();
  int64_t ttlSeconds();

  Inventory& inventory_;
  Store& store_;
  LivenessTracker& tracker_;
  std::string id_;
  std::function<bool()> leading_;

  // Decoded documents by key, reused while their mod_revision stays (merge thread only).
  struct Cached {
    int64_t mod_revision = 0;
    LivenessDocument doc;
  };
  std::map<std::string, Cached> cache_;
  // The fresh documents (key, mod_revision) of the last merge.
  std::vector<std::pair<std::string, int64_t>> merged_signature_;

  mutable common::Mutex stats_mutex_;
  LivenessSharingStats stats_ GUARDED_BY(stats_mutex_);

  common::Mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ GUARDED_BY(stop_mutex_) = false;
  std::thread thread_;
};

}  // namespace photon::coordinator
