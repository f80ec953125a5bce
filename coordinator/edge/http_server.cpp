// The only file that includes Boost.Beast and Asio (they are slow to compile; everything else
// sees http_types.h).
#include "coordinator/edge/http_server.h"

#include <utility>  // before Asio: Boost 1.74's headers use std::exchange without it

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/log.h"
#include "common/pki.h"
#include "coordinator/edge/body_decoding.h"
#include "coordinator/edge/connection_deadlines.h"
#include "coordinator/edge/json_reply.h"
#include "coordinator/edge/long_poll_waiters.h"
#include "coordinator/edge/tls_stream.h"

namespace photon::coordinator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;

namespace {

constexpr size_t kMaxDrainBytes = 1 << 20;

// A refusal the edge answers itself, then closes the connection.
struct Refusal {
  int status = 0;
  std::string reason;  // the metrics label
  std::string message;
  std::string field;
};

std::optional<PeerCertificate> verifiedPeer(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return std::nullopt;
  std::optional<PeerCertificate> out;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    auto info = common::pki::describeCertificate(cert);
    if (!info.common_name.empty()) out = PeerCertificate{info.common_name, info.serial_hex};
  }
  X509_free(cert);
  return out;
}

std::string sslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof(text));
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// One entry per header name, in arrival order; a repeated header's values joined with ", " at
// its first place. Repeats are rare: found through Beast's index (O(log n) a field) and only
// then grouped by a sort, so a hostile request that repeats thousands of names costs
// O(n log n), not a scan per field.
void copyHeaders(const http::request<http::string_body>& message, HttpRequest& req) {
  bool repeats = false;
  req.headers.reserve(static_cast<size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    req.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    repeats = repeats || message.count(field.name_string()) > 1;
  }
  if (!repeats) return;
  auto& all = req.headers;
  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return beast::iless()(all[a].first, all[b].first);  // Beast's own order of field names
  });
  // Each run of equal names in `order` starts with its earliest field (a stable sort): the
  // later ones are appended to it and dropped.
  std::vector<bool> dropped(all.size(), false);
  for (size_t start = 0, i = 1; i <= order.size(); ++i) {
    if (i < order.size() && beast::iequals(all[order[i]].first, all[order[start]].first)) continue;
    for (size_t j = start + 1; j < i; ++j) {
      all[order[start]].second += ", " + all[order[j]].second;
      dropped[order[j]] = true;
    }
    start = i;
  }
  size_t kept = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (dropped[i]) continue;
    if (kept != i) all[kept] = std::move(all[i]);  // never onto itself: that empties a string
    ++kept;
  }
  all.resize(kept);
}

}  // namespace

struct HttpServer::Impl {
  // Declared first, destroyed last: the coroutines that io's destructor discards unregister
  // from it.
  LongPollWaiters waiters;
  const RequestHandler& router;
  HttpMetrics& metrics;
  HttpServerOptions options;
  asio::io_context io;
  asio::thread_pool workers;
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  // Every open connection's deadline (swept by sweepLoop) and how stop() closes it; both
  // callbacks run on the connection's strand.
  ConnectionDeadlines connections;
  // The sweep's timer is touched from its loop and from stop(): one strand for both.
  asio::strand<asio::io_context::executor_type> sweep_strand{asio::make_strand(io)};
  asio::steady_timer sweep_timer{sweep_strand};

  std::pair<uint64_t, std::shared_ptr<ConnectionDeadline>> track(
      tcp::socket& socket, const std::shared_ptr<bool>& alive) {
    auto executor = socket.get_executor();
    ConnectionDeadlines::Callbacks callbacks;
    // A deadline passed: the pending read or write fails with operation_aborted, and the
    // connection sees deadline.timedOut().
    callbacks.expire = [executor, socket = &socket, alive] {
      asio::post(executor, [socket, alive] {
        if (!*alive) return;  // the session ended first; its socket is gone
        beast::error_code ec;
        socket->cancel(ec);
      });
    };
    callbacks.close = [executor, socket = &socket, alive] {
      asio::post(executor, [socket, alive] {
        if (!*alive) return;
        beast::error_code ec;
        socket->shutdown(tcp::socket::shutdown_both, ec);
        socket->close(ec);
      });
    };
    return connections.add(std::move(callbacks));
  }

  Impl(const RequestHandler& r, HttpMetrics& m, HttpServerOptions o)
      : router(r),
        metrics(m),
        options(std::move(o)),
        io(std::max(1, options.io_threads)),
        workers(static_cast<size_t>(std::max(1, options.worker_threads))) {}

  common::Status loadTls();
  awaitable<void> acceptLoop();
  awaitable<void> sweepLoop();
  awaitable<void> session(tcp::socket socket);
  template <class Stream>
  awaitable<void> serve(Stream& stream, ConnectionDeadline& deadline,
                        std::optional<PeerCertificate> peer);
  template <class Stream>
  awaitable<std::optional<Refusal>> readRequest(Stream& stream, ConnectionDeadline& deadline,
                                                beast::flat_buffer& buffer,
                                                http::request_parser<http::string_body>& parser,
                                                bool first);
  template <class Stream>
  awaitable<void> refuse(Stream& stream, ConnectionDeadline& deadline, const Refusal& refusal,
                         unsigned version);
  template <class Stream>
  awaitable<bool> write(Stream& stream, ConnectionDeadline& deadline, const HttpResponse& res,
                        unsigned version, bool keep_alive);
  awaitable<void> hold(LongPoll& poll, HttpResponse& res);
  void answer(HttpRequest& req, HttpResponse& res);
};

common::Status HttpServer::Impl::loadTls() {
  if (!options.tls) return {};
  const TlsFiles& files = *options.tls;
  tls.emplace(ssl::context::tls_server);
  SSL_CTX* ctx = tls->native_handle();
  // TLS 1.2 and 1.3 only; OpenSSL's default ciphers for them are all forward-secret AEADs.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Idle kept-alive connections give OpenSSL's read and write buffers back (~34 kB each); the
  // edge's own TLS stream (tls_stream.h) keeps none either.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(ctx, files.cert_file.c_str()) != 1) {
    return common::invalid("tls-cert", "cannot load " + files.cert_file + ": " + sslErrors());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, files.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return common::invalid("tls-key", "cannot load " + files.key_file + ": " + sslErrors());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return common::invalid("tls-key", files.key_file + " does not match " + files.cert_file);
  }
  if (!files.client_ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, files.client_ca_file.c_str(), nullptr) != 1) {
      return common::invalid("client-ca",
                             "cannot load " + files.client_ca_file + ": " + sslErrors());
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca_file.c_str());
    if (names) SSL_CTX_set_client_CA_list(ctx, names);
    // A certificate is asked for, not required: tokens still serve admins and new machines;
    // a certificate that is sent must verify, or the handshake fails.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_verify_depth(ctx, 4);
  }
  return {};
}

awaitable<void> HttpServer::Impl::acceptLoop() {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::make_strand(io),
                                                        asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors, say: pause rather than spin, and keep serving.
      common::logWarning("http: accept failed: " + ec.message());
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    if (metrics.open_connections.load() >= options.limits.max_connections) {
      metrics.refused("connection_cap");
      socket.close(ec);
      continue;
    }
    auto executor = socket.get_executor();
    asio::co_spawn(executor, session(std::move(socket)), asio::detached);
  }
}

awaitable<void> HttpServer::Impl::sweepLoop() {
  const EdgeLimits& limits = options.limits;
  const auto interval = ConnectionDeadlines::sweepInterval(
      std::min({limits.header_timeout, limits.body_timeout, limits.idle_timeout}));
  while (!stopping) {
    sweep_timer.expires_after(interval);
    beast::error_code ec;
    co_await sweep_timer.async_wait(asio::redirect_error(use_awaitable, ec));
    if (stopping) co_return;
    if (size_t expired = connections.sweep(ConnectionDeadline::Clock::now()); expired > 0) {
      common::logDebug("http: " + std::to_string(expired) + " connection(s) past a deadline");
    }
  }
}

awaitable<void> HttpServer::Impl::session(tcp::socket socket) {
  metrics.open_connections++;
  struct Count {
    HttpMetrics& m;
    ~Count() { m.open_connections--; }
  } count{metrics};
  socket.set_option(tcp::no_delay(true));
  beast::tcp_stream stream(std::move(socket));
  // Set false on this strand when the session ends, so that a late closer touches nothing.
  auto alive = std::make_shared<bool>(true);
  struct Untrack {
    Impl& s;
    std::shared_ptr<bool> alive;
    uint64_t id = 0;
    ~Untrack() {
      *alive = false;
      if (id) s.connections.remove(id);
    }
  } untrack{*this, alive};
  try {
    if (!tls) {
      auto [id, deadline] = track(stream.socket(), alive);
      untrack.id = id;
      if (stopping) co_return;
      co_await serve(stream, *deadline, std::nullopt);
      beast::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      co_return;
    }
    TlsStream secure(std::move(stream), tls->native_handle(), /*server=*/true);
    auto [id, deadline] = track(beast::get_lowest_layer(secure).socket(), alive);
    untrack.id = id;
    if (stopping || !secure.native_handle()) co_return;
    deadline->arm(options.limits.header_timeout);
    beast::error_code ec;
    co_await secure.async_handshake(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      metrics.refused(deadline->timedOut() ? "header_timeout" : "tls_handshake");
      common::logDebug("http: TLS handshake failed: " +
                       (deadline->timedOut() ? std::string("timed out") : ec.message()) +
                       (secure.lastError().empty() ? "" : " (" + secure.lastError() + ")"));
      co_return;
    }
    std::optional<PeerCertificate> peer = verifiedPeer(secure.native_handle());
    co_await serve(secure, *deadline, std::move(peer));
    deadline->arm(std::chrono::seconds(2));
    co_await secure.async_shutdown(asio::redirect_error(use_awaitable, ec));
  } catch (const std::exception& e) {
    common::logWarning(std::string("http: connection ended by an error: ") + e.what());
  }
}

template <class Stream>
awaitable<std::optional<Refusal>> HttpServer::Impl::readRequest(
    Stream& stream, ConnectionDeadline& deadline, beast::flat_buffer& buffer,
    http::request_parser<http::string_body>& parser, bool first) {
  const EdgeLimits& limits = options.limits;
  beast::error_code ec;
  // Between requests a kept-alive connection may idle; once a request starts, its headers must
  // arrive within the header deadline, however slowly they trickle.
  if (buffer.size() == 0) {
    deadline.arm(first ? limits.header_timeout : limits.idle_timeout);
    size_t n = co_await stream.async_read_some(buffer.prepare(4096),
                                               asio::redirect_error(use_awaitable, ec));
    if (ec) co_return Refusal{0, first ? "header_timeout" : "", "", ""};
    buffer.commit(n);
  }
  parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
  parser.body_limit(limits.max_body_bytes);
  // A request that arrived whole with the first read (every agent poll) is parsed here, from
  // the buffer: Beast's async reads would each post a completion for bytes already read, and a
  // posted completion can wake the other I/O thread (a futex call per request, measured).
  // What is still missing is read below, under the same limits.
  parser.eager(true);
  size_t used = parser.put(buffer.data(), ec);
  buffer.consume(used);
  if (ec == http::error::need_more) ec = {};
  if (!ec && !parser.is_header_done()) {
    deadline.arm(limits.header_timeout);
    co_await http::async_read_header(stream, buffer, parser,
                                     asio::redirect_error(use_awaitable, ec));
  }
  if (ec == http::error::header_limit) {
    co_return Refusal{
        431, "header_too_large",
        "the request headers exceed " + std::to_string(limits.max_header_bytes) + " bytes",
        "headers"};
  }
  if (ec == http::error::body_limit) {
    co_return Refusal{413, "body_too_large",
                      "the body exceeds " + std::to_string(limits.max_body_bytes) + " bytes",
                      "body"};
  }
  if (ec && deadline.timedOut()) co_return Refusal{0, "header_timeout", "", ""};
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == ssl::error::stream_truncated || ec == asio::error::connection_reset) {
    co_return Refusal{0, "", "", ""};
  }
  if (ec) co_return Refusal{400, "malformed", "malformed HTTP request: " + ec.message(), ""};

  auto& head = parser.get();
  std::string encoding(head[http::field::content_encoding]);
  if (!knownContentEncoding(encoding)) {
    co_return Refusal{
        415, "encoding",
        "unsupported Content-Encoding \"" + encoding + "\" (gzip, deflate or identity)",
        "Content-Encoding"};
  }
  // An operator's curl sends "Expect: 100-continue" before a large body and waits for this.
  if (!parser.is_done() && beast::iequals(head[http::field::expect], "100-continue")) {
    http::response<http::empty_body> go_on{http::status::continue_, head.version()};
    deadline.arm(limits.body_timeout);
    co_await http::async_write(stream, go_on, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return Refusal{0, "", "", ""};
  }
  if (!parser.is_done()) {
    deadline.arm(limits.body_timeout);
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
  }
  // A handler and a held poll have bounds of their own; the answer's write is armed anew.
  deadline.disarm();
  if (ec == http::error::body_limit) {
    co_return Refusal{413, "body_too_large",
                      "the body exceeds " + std::to_string(limits.max_body_bytes) + " bytes",
                      "body"};
  }
  if (ec && deadline.timedOut()) {
    co_return Refusal{408, "body_timeout", "the body did not arrive in time", "body"};
  }
  if (ec) co_return Refusal{400, "malformed", "malformed HTTP body: " + ec.message(), "body"};
  co_return std::nullopt;
}

template <class Stream>
awaitable<bool> HttpServer::Impl::write(Stream& stream, ConnectionDeadline& deadline,
                                        const HttpResponse& res, unsigned version,
                                        bool keep_alive) {
  http::response<http::string_body> out{static_cast<http::status>(res.status), version};
  if (!res.content_type.empty()) out.set(http::field::content_type, res.content_type);
  for (const auto& [name, value] : res.headers) out.insert(name, value);
  out.body() = res.body;
  out.keep_alive(keep_alive);
  out.prepare_payload();
  beast::error_code ec;
  deadline.arm(options.limits.body_timeout);
  co_await http::async_write(stream, out, asio::redirect_error(use_awaitable, ec));
  co_return !ec;
}

template <class Stream>
awaitable<void> HttpServer::Impl::refuse(Stream& stream, ConnectionDeadline& deadline,
                                         const Refusal& refusal, unsigned version) {
  metrics.refused(refusal.reason);
  HttpResponse res;
  sendError(res, refusal.status, refusal.message, refusal.field);
  if (!co_await write(stream, deadline, res, version, false)) co_return;
  // Read and drop what the client is still sending (bounded), so that it reads our answer
  // instead of a reset.
  auto& socket = beast::get_lowest_layer(stream).socket();
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  char sink[8192];
  size_t drained = 0;
  while (drained < kMaxDrainBytes) {
    deadline.arm(std::chrono::seconds(1));
    size_t n = co_await beast::get_lowest_layer(stream).async_read_some(
        asio::buffer(sink), asio::redirect_error(use_awaitable, ec));
    if (ec) break;
    drained += n;
  }
}

awaitable<void> HttpServer::Impl::hold(LongPoll& poll, HttpResponse& res) {
  auto executor = co_await asio::this_coro::executor;
  struct Parked {
    explicit Parked(const decltype(executor)& e) : timer(e) {}
    asio::steady_timer timer;
    bool woken = false;  // only touched on the connection's strand
  };
  auto parked = std::make_shared<Parked>(executor);
  parked->timer.expires_after(poll.timeout);
  // The wake is posted to this connection's strand, where this coroutine runs: it either runs
  // before the wait below (woken is set, no wait) or cancels it.
  uint64_t id = waiters.add(poll.key, poll.holder, [executor, parked] {
    asio::post(executor, [parked] {
      parked->woken = true;
      parked->timer.cancel();
    });
  });
  metrics.held_polls++;
  if (!stopping && !poll.changed()) {
    beast::error_code ec;
    if (!parked->woken) co_await parked->timer.async_wait(asio::redirect_error(use_awaitable, ec));
  }
  waiters.remove(id);
  metrics.held_polls--;
  res = HttpResponse{};
  poll.answer(res);
}

void HttpServer::Impl::answer(HttpRequest& req, HttpResponse& res) {
  router.dispatch(req, res);
}

template <class Stream>
awaitable<void> HttpServer::Impl::serve(Stream& stream, ConnectionDeadline& deadline,
                                        std::optional<PeerCertificate> peer) {
  beast::flat_buffer buffer;
  ProvenCaller proven;  // one connection, one client: what its earlier requests proved
  for (bool first = true;; first = false) {
    http::request_parser<http::string_body> parser;
    std::optional<Refusal> refusal = co_await readRequest(stream, deadline, buffer, parser, first);
    unsigned version = parser.is_header_done() ? parser.get().version() : 11;
    if (refusal) {
      if (refusal->status != 0) {
        co_await refuse(stream, deadline, *refusal, version);
      } else if (!refusal->reason.empty()) {
        metrics.refused(refusal->reason);
      }
      co_return;
    }
    auto message = parser.release();
    HttpRequest req;
    req.method = std::string(message.method_string());
    const std::string_view target(message.target().data(), message.target().size());
    auto question = target.find('?');
    req.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) req.query = std::string(target.substr(question + 1));
    copyHeaders(message, req);
    req.peer = peer;
    req.proven = &proven;

    auto body = decodeBody(std::move(message.body()), req.header("Content-Encoding"),
                           options.limits.max_body_bytes);
    if (!body) {
      bool too_large = body.error().code == common::ErrorCode::kTooLarge;
      // Named, not a temporary in the co_await: GCC 12 mishandles temporaries that live
      // across a suspension.
      Refusal refusal{too_large ? 413 : 400, too_large ? "body_too_large" : "encoding",
                      body.error().message, body.error().field};
      co_await refuse(stream, deadline, refusal, version);
      co_return;
    }
    req.body = std::move(*body);
    // Every recursive walk over a parsed document (copy, dump, compare) would overflow the
    // stack on 100,000 nested arrays: refuse them before any handler parses the body.
    if (auto depth = common::checkJsonDepth(req.body, options.limits.max_json_depth,
                                            /*malformed_is_error=*/false);
        !depth) {
      metrics.refused("json_depth");
      HttpResponse res;
      sendError(res, depth.error());
      if (!co_await write(stream, deadline, res, version, message.keep_alive())) co_return;
      continue;
    }

    HttpResponse res;
    if (router.answersInline(req)) {
      answer(req, res);
    } else {
      // Writes wait for a disk or a quorum: on the worker pool, the connection's strand free.
      auto on_worker = [this, &req, &res]() -> awaitable<void> {
        answer(req, res);
        co_return;
      };
      co_await asio::co_spawn(workers, on_worker, use_awaitable);
    }
    if (res.hold) {
      std::shared_ptr<LongPoll> poll = std::move(res.hold);
      co_await hold(*poll, res);
    }
    bool keep_alive = message.keep_alive() && !stopping;
    if (!co_await write(stream, deadline, res, version, keep_alive) || !keep_alive) co_return;
  }
}

HttpServer::HttpServer(const RequestHandler& router, HttpMetrics& metrics,
                       HttpServerOptions options)
    : impl_(std::make_unique<Impl>(router, metrics, std::move(options))) {}

HttpServer::~HttpServer() {
  stop();
}

common::Result<int> HttpServer::start() {
  Impl& s = *impl_;
  if (auto loaded = s.loadTls(); !loaded) return std::unexpected(loaded.error());
  beast::error_code ec;
  auto address = asio::ip::make_address(s.options.host, ec);
  if (ec) return common::invalid("listen", "not an IP address: " + s.options.host);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(s.options.port));
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return std::unexpected(common::Error{common::ErrorCode::kUnavailable,
                                         "cannot listen on " + s.options.host + ":" +
                                             std::to_string(s.options.port) + ": " + ec.message(),
                                         "listen"});
  }
  int port = s.acceptor.local_endpoint().port();
  asio::co_spawn(s.io, s.acceptLoop(), asio::detached);
  asio::co_spawn(s.sweep_strand, s.sweepLoop(), asio::detached);
  for (int i = 0; i < std::max(1, s.options.io_threads); ++i) {
    s.threads.emplace_back([&s] { s.io.run(); });
  }
  return port;
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  asio::post(s.io, [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  asio::post(s.sweep_strand, [&s] { s.sweep_timer.cancel(); });
  s.waiters.notifyAll();
  // Held polls are answered (their clients learn of the stop at once); give them a moment to
  // be written, then close every connection still open, kept-alive idle ones included, so
  // that no client waits on a socket nobody serves.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (s.metrics.held_polls.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s.connections.closeAll();
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (s.metrics.open_connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s.io.stop();
  for (auto& thread : s.threads) {
    if (thread.joinable()) thread.join();
  }
  // No I/O thread runs now: close the listening socket here too, so that no connection is
  // taken into the backlog of a server that will never accept it.
  beast::error_code ignored;
  s.acceptor.close(ignored);
  s.workers.join();
}

void HttpServer::notifyChanged(const std::vector<std::string>& keys) {
  impl_->waiters.notify(keys);
}

void HttpServer::notifyAll() {
  impl_->waiters.notifyAll();
}

size_t HttpServer::heldPolls() const {
  return impl_->waiters.size();
}

}  // namespace photon::coordinator
