#include "agent/run/metrics_listener.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <sys/socket.h>

#include <chrono>

#include "common/log.h"

namespace photon::agent {
namespace {
using common::invalid;

constexpr int kThreads = 2;      // a scrape at a time, and one to refuse a second caller
constexpr time_t kTimeoutS = 5;  // a stalled client holds a thread this long at most
}  // namespace

common::Result<ListenAddress> parseListenAddress(const std::string& text) {
  const char* field = "metrics-listen";
  std::string host, port;
  if (text.starts_with("[")) {
    auto close = text.find("]:");
    if (close == std::string::npos)
      return invalid(field, "expected [IPv6]:PORT, got '" + text + "'");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon) {
      return invalid(field, "expected HOST:PORT (IPv6 as [::1]:PORT), got '" + text + "'");
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, host.c_str(), buf) != 1 && inet_pton(AF_INET6, host.c_str(), buf) != 1) {
    return invalid(field, "'" + host + "' is not an IP address");
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) > 65535) {
    return invalid(field, "'" + port + "' is not a port (0-65535)");
  }
  return ListenAddress{host, std::stoi(port)};
}

MetricsListener::~MetricsListener() {
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

common::Result<std::unique_ptr<MetricsListener>> MetricsListener::start(
    const ListenAddress& address, Render render) {
  std::unique_ptr<MetricsListener> self(new MetricsListener());
  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  server->set_read_timeout(kTimeoutS, 0);
  server->set_write_timeout(kTimeoutS, 0);
  server->set_keep_alive_max_count(10);
  server->set_keep_alive_timeout(kTimeoutS);
  server->set_payload_max_length(1024);
  // httplib's default adds SO_REUSEPORT: a second agent would then share the port and answer
  // half the scrapes. SO_REUSEADDR only, so that the port is this agent's or an error.
  server->set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server->Get("/metrics", [render](const httplib::Request&, httplib::Response& res) {
    res.set_content(render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  auto refuse = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "GET");
    res.set_content("only GET /metrics\n", "text/plain");
  };
  server->Post("/metrics", refuse);
  server->Put("/metrics", refuse);
  server->Delete("/metrics", refuse);
  server->Patch("/metrics", refuse);
  int port = address.port;
  if (port == 0) {
    port = server->bind_to_any_port(address.host);
  } else if (!server->bind_to_port(address.host, port)) {
    port = -1;
  }
  if (port < 0) {
    return common::fail(common::ErrorCode::kUnavailable,
                        "cannot listen on " + address.host + ":" + std::to_string(address.port) +
                            " (in use, or not an address of this host)",
                        "metrics-listen");
  }
  self->port_ = port;
  httplib::Server* raw = server.get();
  self->server_ = std::move(server);
  self->thread_ = std::thread([raw] { raw->listen_after_bind(); });
  // stop() is a no-op until the loop runs: wait for it, so the destructor can always end it.
  for (int i = 0; i < 200 && !raw->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return self;
}

}  // namespace photon::agent
