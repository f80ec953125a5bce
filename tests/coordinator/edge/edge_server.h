// The edge with a tiny router of its own, on 127.0.0.1: for tests of what the edge decides
// before any coordinator handler runs.
#pragma once

#include <memory>
#include <stdexcept>

#include "coordinator/api/router.h"
#include "coordinator/edge/http_server.h"

namespace photon::test {

struct EdgeServer {
  coordinator::HttpMetrics metrics;
  coordinator::Router router{metrics};
  std::unique_ptr<coordinator::HttpServer> server;
  int port = 0;

  explicit EdgeServer(coordinator::EdgeLimits limits = {},
                      std::optional<coordinator::TlsFiles> tls = std::nullopt) {
    using coordinator::HttpRequest;
    using coordinator::HttpResponse;
    router.get("/hello", [](const HttpRequest&, HttpResponse& res) {
      coordinator::sendJson(res, 200, common::Json{{"hello", "world"}});
    });
    // Echoes what the handler saw: the body's size and the verified client certificate.
    router.post("/echo", [](const HttpRequest& req, HttpResponse& res) {
      common::Json peer = nullptr;
      if (req.peer) peer = {{"cn", req.peer->common_name}, {"serial", req.peer->serial_hex}};
      coordinator::sendJson(res, 200, common::Json{{"bytes", req.body.size()}, {"peer", peer}});
    });
    // Echoes the X-Tag header as the handler reads it, and how many header names it saw.
    router.get("/headers", [](const HttpRequest& req, HttpResponse& res) {
      coordinator::sendJson(
          res, 200, common::Json{{"x-tag", req.header("x-tag")}, {"names", req.headers.size()}});
    });
    coordinator::HttpServerOptions options;
    options.limits = limits;
    options.tls = std::move(tls);
    server = std::make_unique<coordinator::HttpServer>(router, metrics, options);
    auto bound = server->start();
    if (!bound) throw std::runtime_error(bound.error().message);
    port = *bound;
  }

  std::string hostPort() const { return "127.0.0.1:" + std::to_string(port); }
  std::string renderedMetrics() const {
    std::string text;
    metrics.render(text);
    return text;
  }
};

}  // namespace photon::test
