// The coordinator's routes: a request is matched to a route template ("/api/v1/nodes/{id}"),
// its "{name}" segments filled in, and answered by the route's handler; every failure has a JSON
// error body; every answer is counted in the metrics by route. No sockets here: the edge
// (coordinator/edge/http_server) feeds it, tests call dispatch() directly.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "common/result.h"
#include "coordinator/edge/http_metrics.h"
#include "coordinator/edge/http_types.h"
#include "coordinator/edge/json_reply.h"
#include "coordinator/edge/request_handler.h"

namespace photon::coordinator {

using common::Json;

class Router final : public RequestHandler {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;

  explicit Router(HttpMetrics& metrics);

  // `route` is a template: literal segments and "{name}" segments that match any one segment.
  // It is also the route's name in the metrics.
  void get(const std::string& route, Handler handler);
  void put(const std::string& route, Handler handler);
  void post(const std::string& route, Handler handler);
  void patch(const std::string& route, Handler handler);
  void del(const std::string& route, Handler handler);

  // Answers `req` into `res`: 404 for no route, 405 for a route without that method, 500 for a
  // handler that throws. A held request (res.hold) is counted when it is answered.
  void dispatch(HttpRequest& req, HttpResponse& res) const override;

  // Whether a request is served from memory and may run on an I/O thread; the rest (writes to
  // the store, which wait for a disk or a quorum) run on the worker pool.
  static bool runsInline(const HttpRequest& req);
  bool answersInline(const HttpRequest& req) const override { return runsInline(req); }

 private:
  struct Segment {
    std::string text;  // a literal, or the parameter's name
    bool param = false;
  };
  struct Route {
    std::string method;
    std::string name;
    std::vector<Segment> segments;
    Handler handler;
    HttpMetrics::Series series;  // (method, name)
  };
  // A path has at most this many segments to match a route (routes have fewer; longer paths
  // are answered 404 without splitting them further).
  static constexpr size_t kMaxSegments = 16;

  void add(std::string method, const std::string& route, Handler handler);
  void record(const std::string& method, const std::string& route, int status,
              std::chrono::steady_clock::time_point started) const;

  HttpMetrics& metrics_;
  std::vector<Route> routes_;
  // Indices into routes_ by segment count: a request compares only routes of its length.
  std::vector<std::vector<size_t>> by_length_;
};

}  // namespace photon::coordinator
