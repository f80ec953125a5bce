// Many agents holding long-polls on one coordinator, over TLS or not, and one change reaching
// them all: the time from the write to the last answer, with every connection held by this one
// client thread (Asio, with the edge's TLS stream), so the figure is the coordinator's, not a
// thread-per-client harness's.
//
// Usage: longpoll_bench URL TOKEN NODE_ID COUNT [CA_FILE [COORDINATOR_PID]]
//   URL      http://127.0.0.1:PORT or https://127.0.0.1:PORT
//   TOKEN    a token that may read NODE_ID's desired document (the admin's)
//   COUNT    connections, each holding GET /api/v1/nodes/NODE_ID/desired?wait=60
//   COORDINATOR_PID  also print the coordinator's CPU time from the change to the last answer
//            (user + system, from /proc): a figure that a busy machine does not inflate
// Prints: connections held, time to hold them, time from the change to the first, median and
// last answer, and how many answered 200.
#include <utility>  // before Asio (Boost 1.74)

#include <openssl/ssl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "common/http_client.h"
#include "coordinator/edge/tls_stream.h"
#include "tests/support/process_cpu.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Bench {
  asio::io_context io{1};
  std::optional<ssl::context> tls;
  tcp::endpoint endpoint;
  std::string target, token, etag;
  int count = 0;
  int started = 0;
  std::atomic<int> sent{0}, failed{0}, answered{0}, ok{0};
  std::atomic<int64_t> change_at_ns{0};
  std::vector<double> answer_ms;  // only touched on the io thread
  std::string first_error;
  static constexpr int kSetupWindow = 200;  // connections being set up at once

  asio::awaitable<void> connection();
  template <class Stream>
  asio::awaitable<void> poll(Stream& stream);
  void startMore() {
    while (started < count && started - sent.load() - failed.load() < kSetupWindow) {
      ++started;
      asio::co_spawn(io, connection(), asio::detached);
    }
  }
};

template <class Stream>
asio::awaitable<void> Bench::poll(Stream& stream) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::authorization, "Bearer " + token);
  req.set(http::field::if_none_match, etag);
  co_await http::async_write(stream, req, asio::use_awaitable);
  ++sent;
  startMore();
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  co_await http::async_read(stream, buffer, res, asio::use_awaitable);
  int64_t at = change_at_ns.load();
  if (at != 0) {
    answer_ms.push_back(
        (std::chrono::duration<double, std::milli>(Clock::now().time_since_epoch()).count()) -
        at / 1e6);
  }
  if (res.result_int() == 200) ++ok;
  ++answered;
}

asio::awaitable<void> Bench::connection() {
  try {
    tcp::socket socket(io);
    co_await socket.async_connect(endpoint, asio::use_awaitable);
    socket.set_option(tcp::no_delay(true));
    if (tls) {
      // The edge's own TLS stream, client side: Asio's would spend this process's share of
      // the two cores on its buffer copies and blur the coordinator's figure.
      photon::coordinator::TlsStream stream(beast::tcp_stream(std::move(socket)),
                                            tls->native_handle(), /*server=*/false);
      if (!stream.native_handle()) throw std::runtime_error("SSL_new failed");
      co_await stream.async_handshake(asio::use_awaitable);
      co_await poll(stream);
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await poll(stream);
    }
  } catch (const std::exception& e) {
    if (first_error.empty()) first_error = e.what();
    ++failed;
    startMore();
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::cerr << "usage: longpoll_bench URL TOKEN NODE_ID COUNT [CA_FILE]\n";
    return 2;
  }
  std::string url = argv[1];
  Bench b;
  b.token = argv[2];
  std::string node = argv[3];
  b.count = std::stoi(argv[4]);
  std::string ca_file = argc > 5 ? argv[5] : "";
  std::string coordinator_pid = argc > 6 ? argv[6] : "";
  bool https = url.starts_with("https://");
  auto colon = url.rfind(':');
  b.endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                             static_cast<unsigned short>(std::stoi(url.substr(colon + 1))));
  if (https) {
    b.tls.emplace(ssl::context::tls_client);
    b.tls->load_verify_file(ca_file);
    b.tls->set_verify_mode(ssl::verify_peer);
    SSL_CTX_set_mode(b.tls->native_handle(), SSL_MODE_RELEASE_BUFFERS);
  }
  std::string path = "/api/v1/nodes/" + node + "/desired";
  b.target = path + "?wait=60";

  auto control = photon::common::HttpClient::create(url, {.ca_file = ca_file});
  if (!control) {
    std::cerr << control.error().message << "\n";
    return 1;
  }
  (*control)->setToken(b.token);
  auto first = (*control)->request("GET", path);
  if (!first || first->status != 200) {
    std::cerr << "GET " << path << " failed\n";
    return 1;
  }
  b.etag = first->header("etag");

  auto opened = Clock::now();
  std::thread io([&] {
    auto guard = asio::make_work_guard(b.io);
    asio::post(b.io, [&] { b.startMore(); });
    b.io.run();
  });
  // Wait (bounded) until every poll is sent and the coordinator holds them.
  auto deadline = Clock::now() + std::chrono::seconds(300);
  while (b.sent + b.failed < b.count && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  double open_s = std::chrono::duration<double>(Clock::now() - opened).count();
  // Let the last requests reach the server and be parked.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::cout << "held: " << b.sent.load() << " of " << b.count << " (failed " << b.failed.load()
            << (b.first_error.empty() ? "" : ": " + b.first_error) << ") in " << open_s << " s\n";

  double cpu_before = photon::test::processCpuSeconds(coordinator_pid);
  b.change_at_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  auto put = (*control)->request("PUT", path + "/bench",
                                 "{\"at\": " + std::to_string(b.change_at_ns.load()) + "}");
  if (!put || put->status != 200) {
    std::cerr << "PUT failed\n";
    b.io.stop();
    io.join();
    return 1;
  }
  deadline = Clock::now() + std::chrono::seconds(60);
  while (b.answered < b.sent && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double cpu_after = photon::test::processCpuSeconds(coordinator_pid);
  b.io.stop();
  io.join();
  if (cpu_before >= 0 && cpu_after >= 0) {
    std::cout << "coordinator CPU from the change to the last answer: " << cpu_after - cpu_before
              << " s\n";
  }
  std::cout << "answered: " << b.answered.load() << " (" << b.ok.load() << " with 200)\n";
  std::cout << "change -> first answer: " << percentile(b.answer_ms, 0.0) << " ms\n";
  std::cout << "change -> median answer: " << percentile(b.answer_ms, 0.5) << " ms\n";
  std::cout << "change -> last answer: " << percentile(b.answer_ms, 1.0) << " ms\n";
  return b.ok == b.count ? 0 : 1;
}
