// The coordinator's network edge: HTTP/1.1 over TLS (or plain, only when asked), on Boost.Beast.
// Each connection is a coroutine on its own strand, so a held long-poll or a keep-alive
// connection costs a few kilobytes and no thread: a fixed set of I/O threads serves reads and
// held polls, a fixed worker pool serves writes to the store. Every limit a hostile client could
// push against is bounded here, before a handler sees the request: header size (431), body
// size, chunked or not, and inflated size (413), encodings (415), JSON nesting depth (400),
// the time to send headers and body (a slow client is cut), idle keep-alive and the number of
// open connections.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json_depth.h"
#include "common/result.h"
#include "coordinator/edge/http_metrics.h"
#include "coordinator/edge/request_handler.h"

namespace photon::coordinator {

struct EdgeLimits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1 << 20;  // as sent and, for a compressed body, once inflated
  int max_json_depth = common::kDefaultMaxJsonDepth;
  // A client must send a request's headers (and finish a TLS handshake) within this.
  std::chrono::milliseconds header_timeout{10'000};
  // … and its body, and read the answer, within this.
  std::chrono::milliseconds body_timeout{30'000};
  // A kept-alive connection with no request for this long is closed.
  std::chrono::milliseconds idle_timeout{120'000};
  int max_connections = 20'000;
};

struct TlsFiles {
  std::string cert_file;  // PEM chain, the server's certificate first
  std::string key_file;
  // When set, clients may present a certificate signed by this CA; a verified one reaches the
  // handlers as HttpRequest::peer. Clients without one are still served (admins and a new
  // machine's bootstrap use tokens); a certificate that does not verify fails the handshake.
  std::string client_ca_file;
};

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::optional<TlsFiles> tls;  // unset: plain HTTP
  EdgeLimits limits;
  int io_threads = 2;
  int worker_threads = 16;  // handlers that write to the store (fsync, an etcd quorum)
};

class HttpServer {
 public:
  HttpServer(const RequestHandler& router, HttpMetrics& metrics, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS files, binds (port 0 picks one) and starts the threads; returns the port.
  [[nodiscard]] common::Result<int> start();
  // Stops accepting, answers every held poll, and joins every thread.
  void stop();

  // The store changed these keys: held polls on them are answered now. Any thread.
  void notifyChanged(const std::vector<std::string>& keys);
  // Everything may have changed (the store reloaded): every held poll is answered now.
  void notifyAll();

  size_t heldPolls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace photon::coordinator
