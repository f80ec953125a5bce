// Run mode's loop: fetch the node's desired document (ETag / If-None-Match, optional long-poll),
// validate it whole, keep it on disk, hand every reconciler its section and report what they
// return as the node's observed state. When the coordinator cannot be reached the loop keeps
// reconciling the last accepted document (static stability) and retries with backoff; nothing
// is torn down because the coordinator is gone.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "agent/core/backoff.h"
#include "agent/core/node_credentials.h"
#include "agent/core/reconciler.h"
#include "agent/run/agent_metrics.h"
#include "common/http_client.h"
#include "common/mutex.h"

namespace photon::agent {

struct RunOptions {
  std::string state_dir;
  std::chrono::milliseconds poll_interval{5000};
  std::chrono::seconds long_poll{0};  // 0: plain polling
  double jitter = 0.2;                // poll interval moves by up to ±20 %
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{60000};
  // An unchanged observed state is sent again after this long (liveness rides on the GETs).
  std::chrono::milliseconds report_heartbeat{60000};
  std::chrono::milliseconds request_timeout{10000};
  // After a start, how long the coordinator may not answer before the document on disk is
  // run (see disk_grace_until_).
  std::chrono::milliseconds disk_grace{5000};
};

// What the loop talks to; built by the program at start and again on every reload (SIGHUP).
struct Connection {
  NodeCredentials credentials;
  // When the node's client certificate enters its renewal window (seconds since the epoch; 0:
  // no certificate): the loop connects anew then, which renews it.
  int64_t renew_certificate_at = 0;
  std::unique_ptr<common::HttpClient> client;
  std::string facts_digest;
};
using Connect = std::function<common::Result<Connection>()>;

class RunLoop {
 public:
  using Log = std::function<void(int level, const std::string&)>;  // level as in common/log.h

  RunLoop(RunOptions options, Connect connect, std::vector<std::unique_ptr<Reconciler>> reconcilers,
          Log log);

  // Connects and loads the cached document; an error (no or corrupt credentials) stops the
  // agent before it starts.
  [[nodiscard]] common::Status start();
  // One pass: fetch, reconcile, report. Returns how long to wait before the next.
  std::chrono::milliseconds iterate();
  // iterate() until stop(); then every reconciler's shutdown().
  void run();

  // Thread-safe: from the signal thread. Returns once run() has left (5 s at most).
  void stop();
  void requestReload();

  // Observations for sd_notify, tests and the fleet benchmark.
  std::string statusLine() const;
  int64_t appliedRevision() const { return applied_revision_.load(); }
  int64_t reportedRevision() const { return reported_revision_.load(); }
  bool reachable() const { return reachable_.load(); }
  std::chrono::steady_clock::time_point lastProgress() const;
  void onIteration(std::function<void()> callback) { on_iteration_ = std::move(callback); }
  // Called at the end of every pass, on the loop's thread, with what the pass saw (metrics).
  void onPass(std::function<void(const PassRecord&)> callback) { on_pass_ = std::move(callback); }

 private:
  enum class Fetch { kNew, kUnchanged, kWaited, kFailed };
  Fetch fetch();
  void acceptOrRefuse(common::Json document, const std::string& etag);
  common::Json reconcileAll();
  bool report(const common::Json& domains);
  void reconnect();

  RunOptions options_;
  Connect connect_;
  std::vector<std::unique_ptr<Reconciler>> reconcilers_;
  Log log_;

  common::Mutex connection_mutex_;  // the client is cancelled from the signal thread
  Connection connection_;
  std::optional<common::Json> document_;  // the accepted document being run
  std::string seen_etag_;                 // the last revision fetched, accepted or not
  std::string last_error_;
  std::string fetch_error_;
  common::Json last_reported_;
  std::chrono::steady_clock::time_point last_report_at_{};
  Backoff backoff_;
  std::mt19937_64 random_;
  int failures_ = 0;

  std::atomic<int64_t> applied_revision_{0};
  std::atomic<int64_t> reported_revision_{-1};
  std::atomic<bool> reachable_{false};
  // A document loaded from disk at start is applied only once the coordinator has not answered
  // for options_.disk_grace: a node that comes back after it was declared missing must not first
  // start the instances that were failed over meanwhile, because its network was a moment late.
  std::optional<std::chrono::steady_clock::time_point> disk_grace_until_;
  std::atomic<bool> running_{false};
  std::atomic<int64_t> last_progress_ns_{0};
  std::function<void()> on_iteration_;
  std::function<void(const PassRecord&)> on_pass_;
  std::vector<std::pair<std::string, double>> domain_seconds_;  // of the last reconcileAll()

  mutable common::Mutex wake_mutex_;
  std::condition_variable wake_;
  bool stop_ GUARDED_BY(wake_mutex_) = false;
  bool reload_ GUARDED_BY(wake_mutex_) = false;
};

}  // namespace photon::agent
