#include "coordinator/store/etcd_client.h"

#include <httplib.h>

#include <thread>

#include "common/http_client.h"
#include "common/http_transport.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;

constexpr size_t kMaxIdlePerEndpoint = 16;
// A watch stream is idle for as long as nothing changes; it ends only on error or cancel.
constexpr auto kWatchReadTimeout = std::chrono::hours(24);

std::string etcdErrorMessage(const httplib::Result& result) {
  auto j = etcd::Json::parse(result->body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    return j["message"].get<std::string>();
  }
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    return j["error"].get<std::string>();
  }
  return "HTTP " + std::to_string(result->status);
}
}  // namespace

common::Result<std::vector<std::string>> parseEndpoints(const std::string& list) {
  return common::splitUrlList(list, "etcd-endpoints");
}

common::Result<std::unique_ptr<EtcdClient>> EtcdClient::create(EtcdOptions options) {
  if (options.endpoints.empty()) return common::invalid("etcd-endpoints", "needs at least one URL");
  if (options.cert_file.empty() != options.key_file.empty()) {
    return common::invalid("etcd-cert",
                           "a client certificate needs its key, and the key its certificate");
  }
  std::unique_ptr<EtcdClient> client(new EtcdClient(std::move(options)));
  for (size_t i = 0; i < client->options_.endpoints.size(); ++i) {
    if (!client->newClient(i)->is_valid()) {
      return common::invalid("etcd-endpoints",
                             "'" + client->options_.endpoints[i] + "' is not a usable URL");
    }
  }
  return client;
}

EtcdClient::EtcdClient(EtcdOptions options)
    : options_(std::move(options)), idle_(options_.endpoints.size()) {}

EtcdClient::~EtcdClient() = default;

common::TransportOptions EtcdClient::transportOptions() const {
  return common::TransportOptions{options_.connect_timeout, options_.request_timeout,
                                  options_.ca_file,         options_.cert_file,
                                  options_.key_file,        /*keep_alive=*/true};
}

std::unique_ptr<httplib::Client> EtcdClient::newClient(size_t endpoint) const {
  return common::makeTransport(options_.endpoints[endpoint], transportOptions());
}

std::unique_ptr<httplib::Client> EtcdClient::takeClient(size_t endpoint) {
  {
    std::lock_guard lock(pool_mutex_);
    auto& idle = idle_[endpoint];
    if (!idle.empty()) {
      auto client = std::move(idle.back());
      idle.pop_back();
      return client;
    }
  }
  return newClient(endpoint);
}

void EtcdClient::returnClient(size_t endpoint, std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(pool_mutex_);
  if (idle_[endpoint].size() < kMaxIdlePerEndpoint) idle_[endpoint].push_back(std::move(client));
}

common::Result<etcd::Json> EtcdClient::call(const std::string& path, const etcd::Json& body,
                                            Retry retry, std::chrono::milliseconds timeout) {
  const size_t count = options_.endpoints.size();
  const size_t first = preferred_.load();
  std::string payload = body.dump();
  std::string failures;
  for (size_t attempt = 0; attempt < count; ++attempt) {
    size_t index = (first + attempt) % count;
    auto client = takeClient(index);
    client->set_read_timeout(timeout.count() > 0 ? timeout : options_.request_timeout);
    auto result = client->Post(path, payload, "application/json");
    if (!result) {
      // A broken connection is not returned to the pool.
      failures += (failures.empty() ? "" : "; ") + options_.endpoints[index] + ": " +
                  common::describeTransportError(result.error(), options_.endpoints[index],
                                                 transportOptions());
      if (retry == Retry::kNotSent && !common::requestNeverSent(result.error())) break;
      continue;
    }
    returnClient(index, std::move(client));
    if (index != first && preferred_.exchange(index) != index) ++failovers_;
    if (result->status != 200) {
      return fail(ErrorCode::kUnavailable, "etcd " + path + " at " + options_.endpoints[index] +
                                               ": " + etcdErrorMessage(result));
    }
    auto reply = etcd::Json::parse(result->body, nullptr, false);
    if (reply.is_discarded()) {
      return fail(ErrorCode::kUnavailable, "etcd " + path + ": a reply that is not JSON");
    }
    return reply;
  }
  // Next time start with the endpoint after the one that failed first.
  size_t expected = first;
  if (count > 1 && preferred_.compare_exchange_strong(expected, (first + 1) % count)) ++failovers_;
  return fail(ErrorCode::kUnavailable,
              "etcd " + path + ": no endpoint answered (" + failures + ")");
}

common::Status EtcdClient::watch(const etcd::Json& create_request,
                                 const std::function<bool(const std::string&)>& on_line) {
  size_t index = preferred_.load();
  auto client = newClient(index);
  client->set_keep_alive(false);
  client->set_read_timeout(kWatchReadTimeout);
  {
    std::lock_guard lock(watch_mutex_);
    if (watch_cancelled_) return fail(ErrorCode::kUnavailable, "etcd watch: cancelled");
    watch_client_ = client.get();
  }
  httplib::Request req;
  req.method = "POST";
  req.path = "/v3/watch";
  req.body = etcd::Json{{"create_request", create_request}}.dump();
  req.headers.emplace("Content-Type", "application/json");
  std::string buffer;
  bool stopped_by_caller = false;
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    buffer.append(data, size);
    size_t newline;
    while ((newline = buffer.find('\n')) != std::string::npos) {
      std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      if (line.empty()) continue;
      if (!on_line(line)) {
        stopped_by_caller = true;
        return false;
      }
    }
    // A line is one watch response; nothing sane is this long without a newline.
    return buffer.size() < (64u << 20);
  };
  auto result = client->send(req);
  {
    std::lock_guard lock(watch_mutex_);
    watch_client_ = nullptr;
  }
  if (stopped_by_caller) return {};
  if (!result) {
    // The endpoint is gone: the next watch (and call) tries the next one.
    size_t count = options_.endpoints.size();
    size_t failed = index;
    if (count > 1 && preferred_.compare_exchange_strong(failed, (index + 1) % count)) ++failovers_;
    return fail(ErrorCode::kUnavailable,
                "etcd watch at " + options_.endpoints[index] + ": " +
                    common::describeTransportError(result.error(), options_.endpoints[index],
                                                   transportOptions()));
  }
  if (!buffer.empty()) (void)on_line(buffer);
  return fail(ErrorCode::kUnavailable, "etcd watch at " + options_.endpoints[index] +
                                           ": the stream ended (HTTP " +
                                           std::to_string(result->status) + ")");
}

void EtcdClient::interruptWatch() {
  std::lock_guard lock(watch_mutex_);
  if (watch_client_) watch_client_->stop();
}

void EtcdClient::cancelWatch() {
  // stop() only closes a connection that is open: one still connecting is stopped again.
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(watch_mutex_);
      watch_cancelled_ = true;
      if (!watch_client_) return;
      watch_client_->stop();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace photon::coordinator
