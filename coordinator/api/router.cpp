#include "coordinator/api/router.h"

#include <chrono>
#include <exception>

#include "common/log.h"

namespace photon::coordinator {
namespace {
template <class Segment>
std::vector<Segment> splitSegments(std::string_view path) {
  std::vector<Segment> out;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    auto slash = path.find('/');
    out.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return out;
}

bool isParam(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Methods outside this set are counted as "OTHER": a client must not grow the metrics.
std::string metricMethod(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return method;
  }
  return "OTHER";
}
}  // namespace

Router::Router(HttpMetrics& metrics) : metrics_(metrics) {}

void Router::add(std::string method, const std::string& route, Handler handler) {
  routes_.push_back(
      Route{std::move(method), route, splitSegments<std::string>(route), std::move(handler)});
}

void Router::get(const std::string& r, Handler h) {
  add("GET", r, std::move(h));
}
void Router::put(const std::string& r, Handler h) {
  add("PUT", r, std::move(h));
}
void Router::post(const std::string& r, Handler h) {
  add("POST", r, std::move(h));
}
void Router::patch(const std::string& r, Handler h) {
  add("PATCH", r, std::move(h));
}
void Router::del(const std::string& r, Handler h) {
  add("DELETE", r, std::move(h));
}

bool Router::runsInline(const HttpRequest& req) {
  return req.method == "GET" || req.method == "HEAD";
}

void Router::record(const std::string& method, const std::string& route, int status,
                    std::chrono::steady_clock::time_point started) const {
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.record(metricMethod(method), route, status, seconds);
}

void Router::dispatch(HttpRequest& req, HttpResponse& res) const {
  const auto started = std::chrono::steady_clock::now();
  // Views into req.path, which outlives them: a request allocates no segment strings.
  const auto segments = splitSegments<std::string_view>(req.path);
  // How many literal segments of `route` match, or -1 when it does not match.
  auto literalsMatched = [&segments](const Route& route) {
    if (route.segments.size() != segments.size()) return -1;
    int literals = 0;
    for (size_t i = 0; i < segments.size(); ++i) {
      if (isParam(route.segments[i])) continue;
      if (route.segments[i] != segments[i]) return -1;
      ++literals;
    }
    return literals;
  };
  // The route with the most literal segments wins ("/x/{id}" loses to "/x/all").
  const Route* best_path = nullptr;
  const Route* best = nullptr;
  int best_path_literals = -1, best_literals = -1;
  for (const Route& route : routes_) {
    int literals = literalsMatched(route);
    if (literals < 0) continue;
    if (literals > best_path_literals) {
      best_path = &route;
      best_path_literals = literals;
    }
    bool same_method =
        route.method == req.method || (route.method == "GET" && req.method == "HEAD");
    if (literals == best_path_literals && same_method && literals > best_literals) {
      best = &route;
      best_literals = literals;
    }
  }
  if (!best_path) {
    sendError(res, 404, "no such endpoint: " + req.path.substr(0, 200), "path");
    record(req.method, "unmatched", res.status, started);
    return;
  }
  if (!best || best_literals < best_path_literals) {
    // The methods of the routes that match the path best: only a 405 needs them.
    std::string allowed;
    for (const Route& route : routes_) {
      if (literalsMatched(route) == best_path_literals) {
        allowed += (allowed.empty() ? "" : ", ") + route.method;
      }
    }
    res.setHeader("Allow", allowed);
    sendError(res, 405, req.method.substr(0, 16) + " is not allowed here; allowed: " + allowed,
              "method");
    record(req.method, best_path->name, res.status, started);
    return;
  }
  req.path_params.clear();
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& s = best->segments[i];
    if (isParam(s)) req.path_params[s.substr(1, s.size() - 2)] = percentDecode(segments[i], false);
  }
  try {
    best->handler(req, res);
  } catch (const std::exception& e) {
    common::logError("handler for " + req.method + " " + best->name + " threw: " + e.what());
    res.hold.reset();
    sendError(res, 500, "internal error", "");
  }
  if (res.hold) {
    // Counted when answered: wrap the answer so that the metric sees the final status and the
    // whole time held.
    auto answer = std::move(res.hold->answer);
    res.hold->answer = [this, answer = std::move(answer), method = req.method, route = best->name,
                        started](HttpResponse& out) {
      answer(out);
      record(method, route, out.status, started);
    };
    return;
  }
  record(req.method, best->name, res.status, started);
}

}  // namespace photon::coordinator
