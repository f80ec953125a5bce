// A client of etcd's v3 JSON gateway over several endpoints: a call goes to the endpoint that
// answered last and moves on to the next when one does not answer. TLS with a private CA and
// a client certificate when given.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "coordinator/store/etcd_codec.h"

namespace httplib {
class Client;
}

namespace photon::common {
struct TransportOptions;
}

namespace photon::coordinator {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // http://host:port or https://host:port
  std::string ca_file;                 // TLS: the CA that signed the members' certificates
  std::string cert_file;               // TLS: this client's certificate and key
  std::string key_file;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds request_timeout{5000};
  // The members' --max-txn-ops (etcd has no call that tells it): the store splits no
  // transaction itself, it tells its writers (Store::maxTxnOps).
  size_t max_txn_ops = 128;
};

// "http://a:2379,http://b:2379" -> its endpoints, each checked.
common::Result<std::vector<std::string>> parseEndpoints(const std::string& list);

class EtcdClient {
 public:
  enum class Retry {
    kAnyFailure,  // reads, lease calls: safe to send again to another endpoint
    kNotSent,     // writes: only when the request surely never left (connect failed)
  };

  static common::Result<std::unique_ptr<EtcdClient>> create(EtcdOptions options);
  ~EtcdClient();

  // POSTs `body` to `path` ("/v3/kv/range"), trying the endpoints in turn under `retry`.
  // kUnavailable when no endpoint answered, or etcd answered with an error. `timeout` 0: the
  // options' request_timeout.
  common::Result<etcd::Json> call(const std::string& path, const etcd::Json& body,
                                  Retry retry = Retry::kAnyFailure,
                                  std::chrono::milliseconds timeout = {});

  // Streams /v3/watch for `create_request` on one endpoint, handing each line to `on_line`
  // until it returns false, the stream breaks, or cancelWatch() is called. Returns why it ended.
  common::Status watch(const etcd::Json& create_request,
                       const std::function<bool(const std::string&)>& on_line);
  // Ends a watch() in flight on another thread; the next watch() starts afresh.
  void interruptWatch();
  // Ends a watch() in flight and makes every later one fail at once (shutdown).
  void cancelWatch();

  // Times calls or the watch moved on from an endpoint that did not answer.
  uint64_t failovers() const { return failovers_.load(); }
  const EtcdOptions& options() const { return options_; }

 private:
  explicit EtcdClient(EtcdOptions options);
  std::unique_ptr<httplib::Client> newClient(size_t endpoint) const;
  common::TransportOptions transportOptions() const;
  std::unique_ptr<httplib::Client> takeClient(size_t endpoint);
  void returnClient(size_t endpoint, std::unique_ptr<httplib::Client> client);

  EtcdOptions options_;
  std::atomic<size_t> preferred_{0};
  std::atomic<uint64_t> failovers_{0};
  // Idle connections per endpoint: httplib serialises requests on one client.
  std::mutex pool_mutex_;
  std::vector<std::vector<std::unique_ptr<httplib::Client>>> idle_;

  std::mutex watch_mutex_;
  httplib::Client* watch_client_ = nullptr;
  bool watch_cancelled_ = false;
};

}  // namespace photon::coordinator
