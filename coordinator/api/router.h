// The coordinator's HTTP front: routes with a name for metrics, JSON error bodies for every
// failure (also those cpp-httplib answers itself: unknown path, body too large), body limits.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "common/json_fields.h"
#include "common/result.h"
#include "coordinator/api/metrics.h"

namespace photon::coordinator {

using common::Json;

void sendJson(httplib::Response& res, int status, const Json& body);
void sendError(httplib::Response& res, const common::Error& error);

struct RouterOptions {
  size_t max_body_bytes = 1 << 20;
  int threads = 64;
};

class Router {
 public:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  Router(HttpMetrics& metrics, RouterOptions options);
  ~Router();

  // `pattern` is a cpp-httplib regex; `route` is its name in metrics ("/api/v1/nodes/{id}").
  void get(const std::string& pattern, const std::string& route, Handler handler);
  void put(const std::string& pattern, const std::string& route, Handler handler);
  void post(const std::string& pattern, const std::string& route, Handler handler);
  void patch(const std::string& pattern, const std::string& route, Handler handler);
  void del(const std::string& pattern, const std::string& route, Handler handler);

  // Binds now (port 0 picks one) and returns the port, so callers know it before serving.
  [[nodiscard]] common::Result<int> bind(const std::string& host, int port);
  void serve();  // blocks until stop()
  void stop();
  bool running() const;

 private:
  Handler wrap(const std::string& route, Handler handler);

  HttpMetrics& metrics_;
  std::unique_ptr<httplib::Server> server_;
};

}  // namespace photon::coordinator
