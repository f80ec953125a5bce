// The reference for the coordinator's edge: a Boost.Beast server with the coordinator's
// threading (a coroutine per connection on a strand, N I/O threads) and no logic at all. It
// answers every GET that carries If-None-Match (whatever its value: it has no documents to
// compare) with 304 and an ETag, anything else with 200 and a body of the given size, over
// plain HTTP or TLS. So the coordinator's own poll script (per-node paths, tokens and ETags)
// drives both, and wrk spends the same on each. scripts/bench runs it side by side
// with the coordinator and nginx, so "what does our logic cost" has a number.
//
// Usage: bare_beast_bench PORT_FILE BODY_BYTES IO_THREADS [CERT KEY]
//   Listens on 127.0.0.1:0, writes the port to PORT_FILE, serves until SIGTERM/SIGINT.
#include <utility>  // before Asio (Boost 1.74)

#include <openssl/ssl.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

const std::string kEtag = "\"bare-0001\"";

template <class Stream>
asio::awaitable<void> serve(Stream& stream, const std::string& body) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    beast::error_code ec;
    co_await http::async_read(stream, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    http::response<http::string_body> res;
    res.version(req.version());
    res.set(http::field::etag, kEtag);
    res.set(http::field::content_type, "application/json");
    if (!req[http::field::if_none_match].empty()) {
      res.result(http::status::not_modified);
    } else {
      res.result(http::status::ok);
      res.body() = body;
    }
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !req.keep_alive()) co_return;
  }
}

asio::awaitable<void> session(tcp::socket socket, ssl::context* tls, const std::string& body) {
  socket.set_option(tcp::no_delay(true));
  try {
    if (!tls) {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream, body);
    } else {
      beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
      beast::error_code ec;
      co_await stream.async_handshake(ssl::stream_base::server,
                                      asio::redirect_error(asio::use_awaitable, ec));
      if (!ec) co_await serve(stream, body);
    }
  } catch (const std::exception&) {
  }
}

asio::awaitable<void> acceptLoop(asio::io_context& io, tcp::acceptor& acceptor, ssl::context* tls,
                                 const std::string& body) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(
        asio::make_strand(io), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    auto executor = socket.get_executor();
    asio::co_spawn(executor, session(std::move(socket), tls, body), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 6) {
    std::cerr << "usage: bare_beast_bench PORT_FILE BODY_BYTES IO_THREADS [CERT KEY]\n";
    return 2;
  }
  std::string body(static_cast<size_t>(std::stoul(argv[2])), 'x');
  int threads = std::max(1, std::stoi(argv[3]));
  asio::io_context io(threads);
  std::optional<ssl::context> tls;
  if (argc == 6) {
    tls.emplace(ssl::context::tls_server);
    // The same TLS settings as the coordinator's edge.
    SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
    SSL_CTX_set_mode(tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    tls->use_certificate_chain_file(argv[4]);
    tls->use_private_key_file(argv[5], ssl::context::pem);
  }
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  std::ofstream(argv[1]) << acceptor.local_endpoint().port() << "\n";
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code&, int) { io.stop(); });
  asio::co_spawn(io, acceptLoop(io, acceptor, tls ? &*tls : nullptr, body), asio::detached);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  return 0;
}
