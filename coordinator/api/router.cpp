#include "coordinator/api/router.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <span>
#include <stdexcept>

#include "common/log.h"

namespace photon::coordinator {
namespace {
// Splits `path` into at most `out.size()` non-empty segments; returns how many, or out.size() + 1
// when there are more.
size_t splitSegments(std::string_view path, std::span<std::string_view> out) {
  size_t count = 0;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    if (count == out.size()) return count + 1;
    auto slash = path.find('/');
    out[count++] = path.substr(0, slash);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return count;
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
  std::array<std::string_view, kMaxSegments> parts;
  size_t count = splitSegments(route, parts);
  if (count > kMaxSegments) throw std::logic_error("route " + route + " has too many segments");
  std::vector<Segment> segments;
  for (size_t i = 0; i < count; ++i) {
    std::string_view part = parts[i];
    bool param = part.size() > 2 && part.front() == '{' && part.back() == '}';
    segments.push_back(Segment{std::string(param ? part.substr(1, part.size() - 2) : part), param});
  }
  auto series = metrics_.series(method, route);
  if (by_length_.size() <= count) by_length_.resize(count + 1);
  by_length_[count].push_back(routes_.size());
  routes_.push_back(
      Route{std::move(method), route, std::move(segments), std::move(handler), series});
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
  std::array<std::string_view, kMaxSegments> parts;
  const size_t count = splitSegments(req.path, parts);
  const std::span<const std::string_view> segments(parts.data(), std::min(count, kMaxSegments));
  static const std::vector<size_t> kNone;
  const std::vector<size_t>& candidates = count < by_length_.size() ? by_length_[count] : kNone;
  // How many literal segments of `route` match, or -1 when it does not match. From the last
  // segment: routes of one length mostly share their first ones ("api", "v1", "nodes").
  auto literalsMatched = [&segments](const Route& route) {
    int literals = 0;
    for (size_t i = segments.size(); i-- > 0;) {
      if (route.segments[i].param) continue;
      if (route.segments[i].text != segments[i]) return -1;
      ++literals;
    }
    return literals;
  };
  // The route with the most literal segments wins ("/x/{id}" loses to "/x/all").
  const Route* best_path = nullptr;
  const Route* best = nullptr;
  int best_path_literals = -1, best_literals = -1;
  for (size_t index : candidates) {
    const Route& route = routes_[index];
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
    for (size_t index : candidates) {
      if (literalsMatched(routes_[index]) == best_path_literals) {
        allowed += (allowed.empty() ? "" : ", ") + routes_[index].method;
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
    const Segment& s = best->segments[i];
    if (s.param) req.path_params.emplace_back(s.text, percentDecode(segments[i], false));
  }
  try {
    best->handler(req, res);
  } catch (const std::exception& e) {
    common::logError("handler for " + req.method + " " + best->name + " threw: " + e.what());
    res.hold.reset();
    sendError(res, 500, "internal error", "");
  }
  // Counted on the route's own series, unless the method differs (HEAD on a GET route).
  auto count_answer = [this, route = best, method = req.method, started](const HttpResponse& out) {
    if (route->method != method) {
      record(method, route->name, out.status, started);
      return;
    }
    auto held = std::chrono::steady_clock::now() - started;
    metrics_.record(route->series, out.status, std::chrono::duration<double>(held).count());
  };
  if (res.hold) {
    // Counted when answered: wrap the answer so that the metric sees the final status and the
    // whole time held.
    auto answer = std::move(res.hold->answer);
    res.hold->answer = [answer = std::move(answer),
                        count_answer = std::move(count_answer)](HttpResponse& out) {
      answer(out);
      count_answer(out);
    };
    return;
  }
  count_answer(res);
}

}  // namespace photon::coordinator
