// The agent's /metrics listener (photon-agent run --metrics-listen HOST:PORT): GET /metrics only,
// one small thread pool, short timeouts and no request body. A scraper is expected, not a crowd:
// anything else is answered 404 or 405 and closed.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/result.h"

namespace httplib {
class Server;
}

namespace photon::agent {

struct ListenAddress {
  std::string host;  // an IP address: "127.0.0.1", "::1", "0.0.0.0"
  int port = 0;      // 0: any free port (tests)
};

// "127.0.0.1:9478", "[::1]:9478". Names are refused: what a name resolves to is not a choice
// the agent should make for a listener.
[[nodiscard]] common::Result<ListenAddress> parseListenAddress(const std::string& text);

class MetricsListener {
 public:
  using Render = std::function<std::string()>;
  ~MetricsListener();

  // Binds at once (an error names the address) and serves from a thread of its own.
  [[nodiscard]] static common::Result<std::unique_ptr<MetricsListener>> start(
      const ListenAddress& address, Render render);
  int port() const { return port_; }

 private:
  MetricsListener() = default;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace photon::agent
