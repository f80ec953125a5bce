#include "coordinator/inventory/liveness_sharing.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "common/log.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {
namespace {
// A document left this many TTLs is its coordinator's for good: the leader removes it.
constexpr int64_t kDeadAfterTtls = 10;
}  // namespace

LivenessSharing::LivenessSharing(Inventory& inventory, Store& store, LivenessTracker& tracker,
                                 std::string coordinator_id, std::function<bool()> leading)
    : inventory_(inventory),
      store_(store),
      tracker_(tracker),
      id_(std::move(coordinator_id)),
      leading_(std::move(leading)) {}

LivenessSharing::~LivenessSharing() {
  stop();
}

void LivenessSharing::start() {
  common::MutexLock lock(stop_mutex_);
  stopping_ = false;
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
}

void LivenessSharing::stop() {
  {
    common::MutexLock lock(stop_mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t LivenessSharing::ttlSeconds() {
  auto cluster = inventory_.clusterOrEmpty();
  return cluster ? cluster->settings.node_ttl_s : common::LifecycleSettings{}.node_ttl_s;
}

common::Status LivenessSharing::publish() {
  LivenessDocument doc;
  doc.coordinator = id_;
  doc.published_at = inventory_.clock().nowSeconds();
  doc.seen = tracker_.ownPolls();
  std::string text = encodeLivenessDocument(doc);
  Txn txn;
  txn.put(keys::liveness(id_), text);
  auto written = store_.commit(txn);
  common::MutexLock lock(stats_mutex_);
  if (!written) {
    ++stats_.publish_failures;
    return std::unexpected(written.error().context("publish liveness"));
  }
  ++stats_.published;
  stats_.last_document_bytes = static_cast<int64_t>(text.size());
  return {};
}

common::Status LivenessSharing::merge() {
  PHOTON_TRY(auto range, store_.range(keys::kLivenessPrefix));
  const int64_t now = inventory_.clock().nowSeconds();
  const int64_t ttl = ttlSeconds();
  std::map<std::string, Cached> next;
  std::vector<const LivenessDocument*> docs;
  std::vector<KeyValue> dead;
  for (auto& kv : range.kvs) {
    auto cached = cache_.find(kv.key);
    if (cached != cache_.end() && cached->second.mod_revision == kv.mod_revision) {
      next[kv.key] = std::move(cached->second);
    } else {
      auto doc = decodeLivenessDocument(kv.value);
      if (!doc) {
        common::logWarning("liveness: " + kv.key + ": " + doc.error().message + ", ignoring");
        continue;
      }
      next[kv.key] = Cached{kv.mod_revision, std::move(*doc)};
    }
    const LivenessDocument& doc = next[kv.key].doc;
    docs.push_back(&doc);
    if (doc.published_at < now - kDeadAfterTtls * ttl && doc.coordinator != id_) {
      dead.push_back(kv);
    }
  }
  // Moving the map keeps its nodes where they are, so the pointers in `docs` stay valid.
  cache_ = std::move(next);
  const int64_t fresh_since = now - ttl;
  int64_t fresh = std::count_if(docs.begin(), docs.end(), [&](const LivenessDocument* d) {
    return d->published_at >= fresh_since;
  });
  // The same fresh documents at the same revisions merge to the same map: skip the work.
  std::vector<std::pair<std::string, int64_t>> signature;
  for (const auto& [key, cached] : cache_) {
    if (cached.doc.published_at >= fresh_since) signature.emplace_back(key, cached.mod_revision);
  }
  if (signature != merged_signature_) {
    tracker_.setShared(mergeLivenessDocuments(docs, fresh_since));
    merged_signature_ = std::move(signature);
  }
  {
    common::MutexLock lock(stats_mutex_);
    stats_.coordinators = fresh;
  }
  if (!dead.empty() && leading_ && leading_()) {
    for (const auto& kv : dead) {
      Txn txn;
      txn.expect(kv.key, kv.mod_revision).erase(kv.key);
      auto removed = store_.commit(txn);
      if (removed) {
        common::logNotice("liveness: removed " + kv.key + ", not published for " +
                          std::to_string(kDeadAfterTtls) + " TTLs");
      }
    }
  }
  return {};
}

LivenessSharingStats LivenessSharing::stats() const {
  common::MutexLock lock(stats_mutex_);
  return stats_;
}

void LivenessSharing::loop() {
  using namespace std::chrono;
  // Due again publish_every after the last one, recomputed each round: a TTL declared shorter
  // takes effect at once.
  std::optional<steady_clock::time_point> last_publish;
  std::string last_problem;
  common::MutexLock lock(stop_mutex_);
  while (!stopping_) {
    lock.unlock();
    const auto ttl = milliseconds(seconds(std::max<int64_t>(ttlSeconds(), 1)));
    const auto publish_every = std::clamp<milliseconds>(ttl / 4, milliseconds(250), seconds(15));
    const auto merge_every = std::min<milliseconds>(publish_every, milliseconds(500));
    std::string problem;
    if (!last_publish || steady_clock::now() >= *last_publish + publish_every) {
      last_publish = steady_clock::now();
      if (auto status = publish(); !status) problem = status.error().message;
    }
    if (auto status = merge(); !status) problem = "merge liveness: " + status.error().message;
    // Said once when it starts and once when it ends, not every round.
    if (problem != last_problem) {
      if (!problem.empty()) {
        common::logWarning("liveness: " + problem + ", retrying");
      } else {
        common::logNotice("liveness: sharing again");
      }
      last_problem = problem;
    }
    lock.lock();
    lock.waitFor(stop_cv_, merge_every, [this] {
      stop_mutex_.assertHeld();  // the predicate runs under the lock
      return stopping_;
    });
  }
}

}  // namespace photon::coordinator
