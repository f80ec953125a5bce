#include "coordinator/api/router.h"

#include <chrono>

namespace photon::coordinator {
namespace {
// The route a worker thread is answering, set by the wrapped handler and read by the logger
// that cpp-httplib calls on the same thread once the response is written.
thread_local std::string t_route;
thread_local std::chrono::steady_clock::time_point t_started;

std::string defaultMessage(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "no such endpoint";
    case 405: return "method not allowed";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    default: return "request failed";
  }
}
}  // namespace

void sendJson(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void sendError(httplib::Response& res, const common::Error& error) {
  Json body = {{"error", error.message}, {"field", error.field}};
  if (!error.allowed.empty()) body["allowed"] = error.allowed;
  sendJson(res, common::httpStatus(error.code), body);
}

Router::Router(HttpMetrics& metrics, RouterOptions options)
    : metrics_(metrics), server_(std::make_unique<httplib::Server>()) {
  server_->set_tcp_nodelay(true);  // Debian's build leaves Nagle on: 40 ms per small reply
  server_->set_payload_max_length(options.max_body_bytes);
  int threads = options.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_started = std::chrono::steady_clock::now();
    t_route = "unmatched";
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_->set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) {
      sendJson(res, res.status, Json{{"error", defaultMessage(res.status)}, {"field", ""}});
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  }));
  server_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = std::string("internal error: ") + e.what();
        } catch (...) {
        }
        sendJson(res, 500, Json{{"error", what}, {"field", ""}});
      });
  server_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (t_route.empty()) return;  // a routed request, already counted
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_started)
                         .count();
    metrics_.record(req.method, t_route, res.status, seconds);
  });
}

Router::~Router() = default;

Router::Handler Router::wrap(const std::string& route, Handler handler) {
  return [this, route, handler = std::move(handler)](const httplib::Request& req,
                                                     httplib::Response& res) {
    t_route = route;
    handler(req, res);
    // Recorded here rather than in the logger, which runs after the client already has the
    // answer: a scrape right after a request must see it counted.
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_started)
                         .count();
    metrics_.record(req.method, route, res.status == -1 ? 200 : res.status, seconds);
    t_route.clear();
  };
}

void Router::get(const std::string& p, const std::string& r, Handler h) {
  server_->Get(p, wrap(r, std::move(h)));
}
void Router::put(const std::string& p, const std::string& r, Handler h) {
  server_->Put(p, wrap(r, std::move(h)));
}
void Router::post(const std::string& p, const std::string& r, Handler h) {
  server_->Post(p, wrap(r, std::move(h)));
}
void Router::patch(const std::string& p, const std::string& r, Handler h) {
  server_->Patch(p, wrap(r, std::move(h)));
}
void Router::del(const std::string& p, const std::string& r, Handler h) {
  server_->Delete(p, wrap(r, std::move(h)));
}

common::Result<int> Router::bind(const std::string& host, int port) {
  int bound = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port)
                                                                 ? port
                                                                 : -1);
  if (bound < 0) {
    return common::fail(common::ErrorCode::kUnavailable,
                        "cannot listen on " + host + ":" + std::to_string(port));
  }
  return bound;
}

void Router::serve() { server_->listen_after_bind(); }
void Router::stop() { server_->stop(); }
bool Router::running() const { return server_->is_running(); }

}  // namespace photon::coordinator
