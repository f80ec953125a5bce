#include "agent/run/run_loop.h"

#include <exception>
#include <thread>

#include "agent/run/desired_cache.h"
#include "common/json_dump.h"
#include "common/log.h"

namespace photon::agent {
namespace {
using common::Json;
constexpr int kError = static_cast<int>(common::LogLevel::kError);
constexpr int kWarning = static_cast<int>(common::LogLevel::kWarning);
constexpr int kNotice = static_cast<int>(common::LogLevel::kNotice);
constexpr int kInfo = static_cast<int>(common::LogLevel::kInfo);

std::string etagFor(int64_t revision) {
  return "\"" + std::to_string(revision) + "\"";
}

int64_t revisionOf(const Json& document) {
  auto it = document.find("revision");
  return it != document.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}
}  // namespace

RunLoop::RunLoop(RunOptions options, Connect connect,
                 std::vector<std::unique_ptr<Reconciler>> reconcilers, Log log)
    : options_(std::move(options)),
      connect_(std::move(connect)),
      reconcilers_(std::move(reconcilers)),
      log_(std::move(log)),
      backoff_(options_.retry_initial, options_.retry_max),
      random_(std::random_device{}()) {
  last_progress_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
}

common::Status RunLoop::start() {
  PHOTON_TRY(Connection connection, connect_());
  {
    common::MutexLock lock(connection_mutex_);
    connection_ = std::move(connection);
  }
  auto cached = loadDesiredCache(options_.state_dir + "/" + kDesiredCacheFile);
  if (!cached) {
    last_error_ = cached.error().message + ", ignoring it";
    log_(kError, "desired state cache: " + last_error_);
  } else if (auto& document = *cached) {
    document_ = std::move(*document);
    applied_revision_ = revisionOf(*document_);
    seen_etag_ = etagFor(applied_revision_);
    disk_grace_until_ = std::chrono::steady_clock::now() + options_.disk_grace;
    log_(kNotice, "desired revision " + std::to_string(applied_revision_.load()) +
                      " on disk: run from it if the coordinator does not answer within " +
                      std::to_string(options_.disk_grace.count()) + " ms");
  }
  return {};
}

void RunLoop::reconnect() {
  auto connection = connect_();
  if (!connection) {
    // Keep what runs: a bad edit of the config must not stop the node's reconciliation.
    log_(kError, "reload: " + connection.error().message + "; keeping the previous settings");
    return;
  }
  common::MutexLock lock(connection_mutex_);
  connection_ = std::move(*connection);
  log_(kNotice, "reloaded: coordinator " + connection_.client->baseUrl() + ", node " +
                    connection_.credentials.node_id);
}

void RunLoop::acceptOrRefuse(Json document, const std::string& etag) {
  seen_etag_ = etag;  // refused or not, do not fetch the same revision again
  int64_t revision = revisionOf(document);
  std::string problem;
  if (!document.is_object()) {
    problem = "not a JSON object";
  } else {
    for (const auto& r : reconcilers_) {
      auto it = document.find(r->section());
      if (it == document.end() || it->is_null()) continue;
      auto valid = r->validate(*it);
      if (!valid) {
        problem = r->section() + (valid.error().field.empty() ? "" : "." + valid.error().field) +
                  ": " + valid.error().message;
        break;
      }
    }
  }
  if (!problem.empty()) {
    last_error_ = "desired revision " + std::to_string(revision) + " refused: " + problem;
    log_(kError,
         last_error_ + "; revision " + std::to_string(applied_revision_.load()) + " keeps running");
    return;
  }
  auto saved = saveDesiredCache(options_.state_dir + "/" + kDesiredCacheFile, document);
  if (!saved) log_(kWarning, "keep desired state on disk: " + saved.error().message + ", ignoring");
  document_ = std::move(document);
  applied_revision_ = revision;
  last_error_.clear();
  log_(kInfo, "desired revision " + std::to_string(revision) + " accepted");
}

RunLoop::Fetch RunLoop::fetch() {
  common::HttpClient* client;
  std::string path;
  {
    common::MutexLock lock(connection_mutex_);
    client = connection_.client.get();
    client->setToken(connection_.credentials.token);
    path = "/api/v1/nodes/" + connection_.credentials.node_id + "/desired";
  }
  std::map<std::string, std::string> headers;
  // Long-poll only once the coordinator has our report: after a start, a reload or an outage the
  // first pass must report at once, not sit in a poll.
  bool waiting = options_.long_poll.count() > 0 && !seen_etag_.empty() && reachable_.load();
  if (!seen_etag_.empty()) headers["If-None-Match"] = seen_etag_;
  if (waiting) path += "?wait=" + std::to_string(options_.long_poll.count());
  auto timeout =
      options_.request_timeout + (waiting ? options_.long_poll : std::chrono::seconds(0));
  auto started = std::chrono::steady_clock::now();
  auto response = client->request("GET", path, "", headers,
                                  std::chrono::duration_cast<std::chrono::milliseconds>(timeout));
  auto took = std::chrono::steady_clock::now() - started;
  if (!response) {
    fetch_error_ = response.error().message;
    return Fetch::kFailed;
  }
  if (response->status == 304) {
    fetch_error_.clear();
    return waiting && took >= options_.long_poll / 2 ? Fetch::kWaited : Fetch::kUnchanged;
  }
  if (response->status == 401 || response->status == 403 || response->status == 404) {
    fetch_error_ = "coordinator refused this node's credentials (" +
                   common::describeHttpError(*response) +
                   "): re-run `photon-agent bootstrap` to re-enroll";
    return Fetch::kFailed;
  }
  if (response->status != 200) {
    fetch_error_ = "coordinator answered " + common::describeHttpError(*response);
    return Fetch::kFailed;
  }
  fetch_error_.clear();
  // The same checks as the coordinator's edge: bytes that are not UTF-8 replaced, nesting
  // bounded (every recursive walk over the document, from comparison to dump, would overflow
  // the stack on 100,000 nested arrays), an object.
  auto document = common::parseJsonBody(response->body);
  std::string etag = response->header("etag");
  if (!document) {
    seen_etag_ = etag;
    last_error_ = "desired document refused: " + document.error().message;
    log_(kError, last_error_);
    return Fetch::kUnchanged;
  }
  if (etag.empty()) etag = etagFor(revisionOf(*document));
  acceptOrRefuse(std::move(*document), etag);
  return Fetch::kNew;
}

Json RunLoop::reconcileAll() {
  Json domains = Json::object();
  domain_seconds_.clear();
  for (const auto& r : reconcilers_) {
    auto started = std::chrono::steady_clock::now();
    Json section = nullptr;
    if (document_) {
      auto it = document_->find(r->section());
      if (it != document_->end()) section = *it;
    }
    // A reconciler that throws must not take the others (or the agent) down with it.
    try {
      domains[r->section()] = r->reconcile(section);
    } catch (const std::exception& e) {
      domains[r->section()] = Json{{"error", std::string("reconcile threw: ") + e.what()}};
      log_(kError, r->section() + ": reconcile threw: " + e.what());
    }
    domain_seconds_.emplace_back(
        r->section(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
  return domains;
}

bool RunLoop::report(const Json& domains) {
  Json observed;
  std::string path;
  common::HttpClient* client;
  {
    common::MutexLock lock(connection_mutex_);
    observed = {{"agent_version", PHOTON_VERSION},
                {"facts_digest", connection_.facts_digest},
                {"domains", domains},
                {"last_error", last_error_},
                {"desired_revision", applied_revision_.load()}};
    client = connection_.client.get();
    client->setToken(connection_.credentials.token);
    path = "/api/v1/nodes/" + connection_.credentials.node_id + "/observed";
  }
  auto now = std::chrono::steady_clock::now();
  if (observed == last_reported_ && now - last_report_at_ < options_.report_heartbeat) return true;
  auto response = client->request("PUT", path, common::dumpJson(observed));
  if (!response || response->status != 200) {
    fetch_error_ = "report observed state: " +
                   (response ? common::describeHttpError(*response) : response.error().message);
    return false;
  }
  last_reported_ = std::move(observed);
  last_report_at_ = now;
  reported_revision_ = applied_revision_.load();
  return true;
}

std::chrono::milliseconds RunLoop::iterate() {
  {
    common::MutexLock lock(wake_mutex_);
    if (reload_) {
      reload_ = false;
      lock.unlock();
      reconnect();
    }
  }
  int64_t renew_at = 0;
  {
    common::MutexLock lock(connection_mutex_);
    renew_at = connection_.renew_certificate_at;
  }
  const int64_t wall = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  if (renew_at != 0 && wall >= renew_at) reconnect();
  Fetch fetched = fetch();
  if (fetched != Fetch::kFailed) disk_grace_until_.reset();
  if (disk_grace_until_ && std::chrono::steady_clock::now() < *disk_grace_until_) {
    // Not yet from disk: ask the coordinator again soon (see disk_grace_until_). Asking is
    // progress (the watchdog's), though nothing is reconciled yet.
    last_progress_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
    if (on_iteration_) on_iteration_();
    return std::chrono::milliseconds(250);
  }
  if (disk_grace_until_) {
    disk_grace_until_.reset();
    log_(kNotice, "coordinator: " + fetch_error_ + "; running desired revision " +
                      std::to_string(applied_revision_.load()) + " from disk until it answers");
  }
  Json domains = reconcileAll();
  bool reported = fetched != Fetch::kFailed && report(domains);
  bool ok = fetched != Fetch::kFailed && reported;
  last_progress_ns_ = std::chrono::steady_clock::now().time_since_epoch().count();
  if (on_pass_) {
    on_pass_(PassRecord{
        fetched != Fetch::kFailed, reported, applied_revision_.load(), domains, domain_seconds_,
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count()});
  }

  if (!ok) {
    bool was_reachable = reachable_.exchange(false);
    ++failures_;
    auto delay = backoff_.next();
    // Loud on the first failure, quiet while it lasts, loud again when it ends.
    log_(was_reachable || failures_ == 1 ? kWarning : kInfo,
         "coordinator: " + fetch_error_ + "; keeping desired revision " +
             std::to_string(applied_revision_.load()) + ", retrying in " +
             std::to_string(delay.count()) + "ms");
    if (on_iteration_) on_iteration_();
    return delay;
  }
  if (!reachable_.exchange(true) && failures_ > 0) {
    log_(kNotice, "coordinator reachable again after " + std::to_string(failures_) + " failures");
  }
  failures_ = 0;
  backoff_.reset();
  if (on_iteration_) on_iteration_();
  // A long-poll that really waited, or a new document: ask again at once. A long-poll answered
  // at once (the coordinator's waiter bound) falls back to the poll interval.
  if (fetched == Fetch::kWaited || (fetched == Fetch::kNew && options_.long_poll.count() > 0)) {
    return std::chrono::milliseconds(0);
  }
  return jittered(options_.poll_interval, options_.jitter, random_);
}

void RunLoop::run() {
  running_ = true;
  while (true) {
    {
      common::MutexLock lock(wake_mutex_);
      if (stop_) break;
    }
    auto delay = iterate();
    common::MutexLock lock(wake_mutex_);
    lock.waitFor(wake_, delay, [this] {
      wake_mutex_.assertHeld();  // the predicate runs under the lock
      return stop_ || reload_;
    });
    if (stop_) break;
  }
  log_(kNotice, "stopping: shutting the domains down cleanly; workloads keep running");
  for (auto& r : reconcilers_) r->shutdown();
  running_ = false;
}

void RunLoop::stop() {
  {
    common::MutexLock lock(wake_mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  // A long-poll in flight is cut short. A cancel that lands just before the request opens its
  // socket is lost, so it is repeated until the loop has left (bounded: 5 s).
  for (int i = 0; i < 100 && running_.load(); ++i) {
    {
      common::MutexLock lock(connection_mutex_);
      if (connection_.client) connection_.client->cancel();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void RunLoop::requestReload() {
  {
    common::MutexLock lock(wake_mutex_);
    reload_ = true;
  }
  wake_.notify_all();
}

std::chrono::steady_clock::time_point RunLoop::lastProgress() const {
  return std::chrono::steady_clock::time_point(
      std::chrono::steady_clock::duration(last_progress_ns_.load()));
}

std::string RunLoop::statusLine() const {
  std::string line = "desired revision " + std::to_string(applied_revision_.load()) + ", " +
                     std::to_string(reconcilers_.size()) + " domains, ";
  line += reachable_ ? "coordinator reachable" : "coordinator unreachable (running from disk)";
  return line;
}

}  // namespace photon::agent
