// Health checks that a service cannot wedge: the HTTP exchange ends at its deadline and reads
// a bounded head, and checks run on a pool so that one slow check leaves the others on time.
// Real sockets on 127.0.0.1, real probes.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/units/health_exchange.h"
#include "agent/units/health_monitor.h"
#include "agent/units/health_probe.h"

using namespace photon::agent;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A listener on 127.0.0.1 that reads each request and then answers with `respond(fd, stop)`,
// one thread per connection, until destroyed.
class RawServer {
 public:
  using Respond = std::function<void(int fd, const std::atomic<bool>& stop)>;
  explicit RawServer(Respond respond) : respond_(std::move(respond)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 16) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { acceptLoop(); });
  }
  ~RawServer() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : connections_) t.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void acceptLoop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      ++accepted_;
      connections_.emplace_back([this, client] {
        char buf[1024];
        (void)::recv(client, buf, sizeof buf, 0);  // the request; its content does not matter
        respond_(client, stop_);
        ::close(client);
      });
    }
  }

  Respond respond_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread acceptor_;
  std::vector<std::thread> connections_;  // only the acceptor adds, joined after it
};

// A status line, then one header byte every 50 ms for as long as the client listens: each
// read succeeds, so a per-read timeout never fires.
void trickle(int fd, const std::atomic<bool>& stop) {
  std::string status = "HTTP/1.1 200 OK\r\nX-Trickle: ";
  if (::send(fd, status.data(), status.size(), MSG_NOSIGNAL) < 0) return;
  for (int i = 0; i < 1200 && !stop; ++i) {  // at most a minute
    if (::send(fd, "a", 1, MSG_NOSIGNAL) < 0) return;
    std::this_thread::sleep_for(50ms);
  }
}

HealthCheckSpec httpCheck(int port, int timeout_ms) {
  HealthCheckSpec h;
  h.kind = HealthKind::kHttp;
  h.port = port;
  h.path = "/healthz";
  h.timeout_ms = timeout_ms;
  h.interval_s = 1;
  h.rise = 1;
  h.fall = 1;
  return h;
}

}  // namespace

TEST_CASE("health exchange: the response head parses as it arrives", "[units][sandbox]") {
  auto status = [](std::string_view head) {
    auto parsed = parseResponseHead(head);
    REQUIRE(parsed);
    return *parsed;
  };
  CHECK(status("") == std::nullopt);
  CHECK(status("HTT") == std::nullopt);
  CHECK(status("HTTP/1.1 200 OK\r\nA: b\r\n") == std::nullopt);
  CHECK(status("HTTP/1.1 200 OK\r\nA: b\r\n\r\n") == 200);
  CHECK(status("HTTP/1.0 503\r\n\r\nbody") == 503);
  CHECK_FALSE(parseResponseHead("SSH-2.0-OpenSSH_9.2\r\n"));
  CHECK_FALSE(parseResponseHead("HTTP/2 200\r\n\r\n"));
  CHECK_FALSE(parseResponseHead("HTTP/1.1 2x0 OK\r\n\r\n"));
  CHECK_FALSE(parseResponseHead("HTTP/1.1 20\r\n\r\n"));
}

TEST_CASE("health exchange: an endless trickle fails at the check's deadline", "[units][sandbox]") {
  RawServer server(trickle);
  auto started = Clock::now();
  auto result = checkHttpWithin(server.port(), "/healthz", 700ms);
  auto took = Clock::now() - started;
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("timed out after 700 ms") != std::string::npos);
  CHECK(took >= 690ms);
  CHECK(took < 1500ms);
}

TEST_CASE("health exchange: a response head past the bound fails without reading on",
          "[units][sandbox]") {
  RawServer server([](int fd, const std::atomic<bool>& stop) {
    std::string head = "HTTP/1.1 200 OK\r\n";
    std::string header = "X-Filler: " + std::string(1000, 'x') + "\r\n";
    if (::send(fd, head.data(), head.size(), MSG_NOSIGNAL) < 0) return;
    for (int i = 0; i < 1000 && !stop; ++i) {  // a megabyte of headers, as fast as it goes
      if (::send(fd, header.data(), header.size(), MSG_NOSIGNAL) < 0) return;
    }
  });
  auto result = checkHttpWithin(server.port(), "/", 5000ms);
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("longer than 4096 bytes") != std::string::npos);
}

TEST_CASE("health exchange: tcp and http pass and fail against real listeners",
          "[units][sandbox]") {
  httplib::Server ok;
  ok.set_tcp_nodelay(true);
  ok.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  ok.Get("/moved",
         [](const httplib::Request&, httplib::Response& res) { res.set_redirect("/healthz"); });
  ok.Get("/down", [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  int port = ok.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread t([&] { ok.listen_after_bind(); });
  CHECK(checkTcpWithin(port, 1000ms));
  CHECK(checkHttpWithin(port, "/healthz", 1000ms));
  CHECK(checkHttpWithin(port, "/moved", 1000ms));
  auto down = checkHttpWithin(port, "/down", 1000ms);
  REQUIRE_FALSE(down);
  CHECK(down.error().message.find("status 500") != std::string::npos);
  ok.stop();
  t.join();
  auto refused = checkHttpWithin(port, "/healthz", 1000ms);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message.find("refused") != std::string::npos);
}

TEST_CASE(
    "health monitor: a trickling service fails at its deadline while another service's "
    "check stays on time",
    "[units][sandbox]") {
  RawServer slow(trickle);
  std::mutex mu;
  std::vector<Clock::time_point> fast_checks;
  httplib::Server fast;
  fast.set_tcp_nodelay(true);
  fast.Get("/healthz", [&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mu);
    fast_checks.push_back(Clock::now());
    res.set_content("ok", "text/plain");
  });
  int fast_port = fast.bind_to_any_port("127.0.0.1");
  REQUIRE(fast_port > 0);
  std::thread t([&] { fast.listen_after_bind(); });
  struct Stop {
    httplib::Server& s;
    std::thread& t;
    ~Stop() {
      s.stop();
      t.join();
    }
  } stop{fast, t};

  HealthMonitor monitor(makeSystemHealthProbe(makeProcessRunner()));
  InstanceSpec trickler, steady;
  trickler.name = "trickler";
  trickler.revision = "1";
  // Its check takes its whole timeout, 2.5 times the other's interval.
  trickler.health = httpCheck(slow.port(), 2500);
  steady.name = "steady";
  steady.revision = "1";
  steady.health = httpCheck(fast_port, 1000);
  auto started = Clock::now();
  monitor.update({{trickler, UnitPhase::kUp}, {steady, UnitPhase::kUp}});

  // The trickler fails its first check at its deadline, not later.
  while (Clock::now() - started < 6s &&
         monitor.report("trickler")->state != HealthState::kUnhealthy) {
    std::this_thread::sleep_for(20ms);
  }
  auto trickler_failed = Clock::now() - started;
  auto report = monitor.report("trickler");
  REQUIRE(report->state == HealthState::kUnhealthy);
  CHECK(report->last_error.find("timed out after 2500 ms") != std::string::npos);
  CHECK(trickler_failed >= 2400ms);
  CHECK(trickler_failed < 3500ms);

  // Meanwhile, and for a while after, the steady service is checked every second.
  std::this_thread::sleep_for(2s);
  CHECK(monitor.healthy("steady"));
  std::vector<Clock::time_point> checks;
  {
    std::lock_guard lock(mu);
    checks = fast_checks;
  }
  REQUIRE(checks.size() >= 4);
  CHECK(checks.front() - started < 500ms);
  for (size_t i = 1; i < checks.size(); ++i) {
    INFO("check "
         << i << " came "
         << std::chrono::duration_cast<std::chrono::milliseconds>(checks[i] - checks[i - 1]).count()
         << " ms after the previous one");
    CHECK(checks[i] - checks[i - 1] < 1400ms);
  }
  // One check of the trickler at a time: never a second connection while the first trickles.
  CHECK(slow.accepted() <= 3);
}
