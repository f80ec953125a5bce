#include "coordinator/store/etcd_store.h"

#include "common/log.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;
using etcd::Json;

constexpr int kRangePageSize = 1000;
// How long a write waits for its own event to come back on the watch before it suspects the
// watch is stuck and restarts it. The write is durable either way.
constexpr auto kCatchUpTimeout = std::chrono::seconds(2);
constexpr auto kConflictCatchUp = std::chrono::seconds(1);
constexpr auto kWatchRetryDelay = std::chrono::milliseconds(200);
// A txn's reply within this, else its outcome is looked up. etcd itself gives up on a proposal
// only after 7 s (one lost with a dead raft leader, for instance).
constexpr auto kTxnTimeout = std::chrono::seconds(2);
// How long a write whose reply was lost keeps finding out what became of it.
constexpr auto kResolveWithin = std::chrono::seconds(10);
constexpr auto kResolvePause = std::chrono::milliseconds(100);

// Whether a successful txn changed anything (a delete of a missing key does not, and then no
// event comes back for it).
bool txnChangedSomething(const Json& reply) {
  for (const auto& r : reply.value("responses", Json::array())) {
    if (r.contains("response_put")) return true;
    if (r.contains("response_delete_range") &&
        etcd::readInt64(r["response_delete_range"], "deleted") > 0) {
      return true;
    }
  }
  return false;
}
}  // namespace

EtcdStore::EtcdStore(std::shared_ptr<EtcdClient> client, std::string prefix)
    : client_(std::move(client)), prefix_(std::move(prefix)) {}

Result<std::unique_ptr<EtcdStore>> EtcdStore::open(std::shared_ptr<EtcdClient> client,
                                                   std::string prefix,
                                                   std::chrono::milliseconds progress_check) {
  if (prefix.empty()) return common::invalid("etcd-prefix", "must not be empty");
  std::unique_ptr<EtcdStore> store(new EtcdStore(std::move(client), std::move(prefix)));
  PHOTON_CHECK(store->load());
  store->watch_thread_ = std::thread([s = store.get()] { s->watchLoop(); });
  store->progress_thread_ =
      std::thread([s = store.get(), progress_check] { s->progressLoop(progress_check); });
  return store;
}

EtcdStore::~EtcdStore() {
  stopping_ = true;
  mirror_.stop();
  { std::lock_guard lock(progress_mutex_); }
  progress_cv_.notify_all();
  if (progress_thread_.joinable()) progress_thread_.join();
  client_->cancelWatch();
  if (watch_thread_.joinable()) watch_thread_.join();
}

Result<void> EtcdStore::load() {
  // One consistent snapshot, read in pages at the first page's revision.
  std::map<std::string, KeyValue> fresh;
  int64_t at = 0;
  std::string from = prefix_;
  const std::string end = etcd::prefixEnd(prefix_);
  for (;;) {
    Json request = {{"key", etcd::base64Encode(from)},
                    {"range_end", etcd::base64Encode(end)},
                    {"limit", std::to_string(kRangePageSize)}};
    if (at != 0) request["revision"] = std::to_string(at);
    PHOTON_TRY(Json reply, client_->call("/v3/kv/range", request));
    if (at == 0) at = etcd::readInt64(reply.value("header", Json::object()), "revision");
    std::string last;
    for (const auto& raw : reply.value("kvs", Json::array())) {
      PHOTON_TRY(KeyValue kv, etcd::parseKeyValue(raw, prefix_));
      last = kv.key;
      fresh[kv.key] = std::move(kv);
    }
    if (!reply.value("more", false) || last.empty()) break;
    from = prefix_ + last + std::string(1, '\0');
  }
  mirror_.replace(std::move(fresh), at);
  resync_needed_ = false;
  return {};
}

bool EtcdStore::applyWatchLine(const std::string& line) {
  auto parsed = etcd::parseWatchLine(line, prefix_);
  if (!parsed) {
    common::logWarning(parsed.error().message + ", restarting the watch");
    return false;
  }
  if (parsed->compact_revision > 0) {
    // The revision we follow from is compacted away: only a fresh load is complete.
    common::logWarning("etcd watch: revision " + std::to_string(revision()) +
                       " compacted, reloading the store");
    resync_needed_ = true;
    return false;
  }
  watch_answered_ = true;
  if (parsed->canceled) return false;
  if (parsed->events.empty()) return true;
  std::vector<KeyChange> changes;
  for (auto& event : parsed->events) changes.push_back({event.is_delete, std::move(event.kv)});
  mirror_.apply(std::move(changes));
  return true;
}

void EtcdStore::watchLoop() {
  while (!stopping()) {
    if (resync_needed_) {
      if (auto loaded = load(); !loaded) {
        common::logWarning("etcd store reload: " + loaded.error().message + ", retrying");
      } else {
        continue;
      }
    } else {
      Json request = {{"key", etcd::base64Encode(prefix_)},
                      {"range_end", etcd::base64Encode(etcd::prefixEnd(prefix_))},
                      {"start_revision", std::to_string(mirror_.revision() + 1)}};
      auto ended =
          client_->watch(request, [this](const std::string& line) { return applyWatchLine(line); });
      if (stopping()) return;
      // Logged when a working watch breaks, not on every attempt while etcd is away.
      if (!ended && watch_answered_.exchange(false)) {
        common::logInfo(ended.error().message + ", watching again");
      }
      ++watch_restarts_;
    }
    // A pause before trying again; the mirror's stop() does not end it early, but it is short.
    std::this_thread::sleep_for(kWatchRetryDelay);
  }
}

std::vector<Store::Counter> EtcdStore::counters() const {
  return {{"photon_etcd_watch_restarts_total", "Times the etcd watch was set up again.",
           static_cast<double>(watch_restarts_.load())},
          {"photon_etcd_endpoint_failovers_total",
           "Times calls to etcd moved on from an endpoint that did not answer.",
           static_cast<double>(client_->failovers())},
          {"photon_etcd_unknown_txn_outcomes_total",
           "Writes whose etcd reply was lost and whose outcome was read back.",
           static_cast<double>(unknown_outcomes_.load())}};
}

Result<int64_t> EtcdStore::newestModRevision() {
  Json request = {{"key", etcd::base64Encode(prefix_)},
                  {"range_end", etcd::base64Encode(etcd::prefixEnd(prefix_))},
                  {"limit", "1"},
                  {"sort_order", "DESCEND"},
                  {"sort_target", "MOD"},
                  {"keys_only", true}};
  PHOTON_TRY(Json reply, client_->call("/v3/kv/range", request));
  auto kvs = reply.value("kvs", Json::array());
  return kvs.empty() ? 0 : etcd::readInt64(kvs[0], "mod_revision");
}

void EtcdStore::progressLoop(std::chrono::milliseconds every) {
  // A write etcd has that the mirror lacks, seen twice in a row (the first time it may just
  // be on its way), means the watch is stuck: it is set up again, on the next endpoint.
  int64_t behind_at = 0;
  for (;;) {
    {
      std::unique_lock lock(progress_mutex_);
      if (progress_cv_.wait_for(lock, every, [this] { return stopping(); })) return;
    }
    auto newest = newestModRevision();
    if (!newest || *newest <= mirror_.revision()) {
      behind_at = 0;
      continue;
    }
    if (behind_at != 0 && mirror_.revision() < behind_at) {
      common::logWarning("etcd store: the watch is behind (revision " +
                         std::to_string(mirror_.revision()) + ", etcd has " +
                         std::to_string(*newest) + "), restarting it");
      client_->interruptWatch();
      behind_at = 0;
      continue;
    }
    behind_at = *newest;
  }
}

Result<std::optional<KeyValue>> EtcdStore::get(const std::string& key) {
  return mirror_.get(key);
}

Result<int64_t> EtcdStore::modRevision(const std::string& key) {
  return mirror_.modRevision(key);
}

Result<std::vector<KeyRevision>> EtcdStore::revisions(const std::string& prefix) {
  return mirror_.revisions(prefix);
}

Result<RangeResult> EtcdStore::range(const std::string& prefix) {
  return mirror_.range(prefix);
}

int64_t EtcdStore::revision() {
  return mirror_.revision();
}

Result<int64_t> EtcdStore::commit(const Txn& txn) {
  // Sent again to another endpoint only when it surely never left. A reply that is lost (a
  // member killed, the raft leader gone with the proposal) leaves the outcome unknown: the
  // keys it touches are read back to learn it, and a txn that did not apply is sent again.
  const Json request = etcd::txnRequest(txn, prefix_);
  const auto give_up = std::chrono::steady_clock::now() + kResolveWithin;
  auto reply = client_->call("/v3/kv/txn", request, EtcdClient::Retry::kNotSent, kTxnTimeout);
  if (!reply) ++unknown_outcomes_;
  while (!reply && !stopping() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(kResolvePause);
    auto probe_reply = client_->call("/v3/kv/txn", etcd::txnProbeRequest(txn, prefix_),
                                     EtcdClient::Retry::kAnyFailure, kTxnTimeout);
    if (!probe_reply) continue;  // nobody answers yet: still unknown
    auto probe = etcd::txnProbeOutcome(*probe_reply, txn, prefix_);
    if (!probe) return std::unexpected(probe.error().context("commit"));
    if (probe->outcome == etcd::TxnProbe::kApplied) return caughtUp(probe->revision);
    if (probe->outcome == etcd::TxnProbe::kConflict) {
      return conflict(txn, probe->conflict_key);
    }
    reply = client_->call("/v3/kv/txn", request, EtcdClient::Retry::kNotSent, kTxnTimeout);
  }
  if (!reply) return std::unexpected(reply.error().context("commit"));
  auto outcome = etcd::txnOutcome(*reply, txn, prefix_);
  if (!outcome) {
    if (outcome.error().code == ErrorCode::kConflict) return conflict(txn, outcome.error().field);
    return outcome;
  }
  if (!txnChangedSomething(*reply)) return outcome;
  return caughtUp(*outcome);
}

Result<int64_t> EtcdStore::conflict(const Txn& txn, const std::string& key) {
  // Let the mirror learn what moved, so that a retry reads the new value.
  for (const auto& c : txn.compares) {
    if (c.key == key) {
      (void)mirror_.waitForChange(key, c.mod_revision, kConflictCatchUp);
      break;
    }
  }
  return fail(ErrorCode::kConflict, "changed concurrently", key);
}

int64_t EtcdStore::caughtUp(int64_t revision) {
  if (!mirror_.waitForRevision(revision, kCatchUpTimeout)) {
    common::logWarning("etcd store: the watch did not deliver revision " +
                       std::to_string(revision) + " in time, restarting it");
    client_->interruptWatch();
  }
  return revision;
}

int64_t EtcdStore::waitForChange(const std::string& key, int64_t known_mod_revision,
                                 std::chrono::milliseconds timeout) {
  return mirror_.waitForChange(key, known_mod_revision, timeout);
}

}  // namespace photon::coordinator
