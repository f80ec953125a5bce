// The router alone, without sockets: matching, path parameters, the JSON errors it answers
// itself, and what it counts.
#include <catch2/catch.hpp>

#include "coordinator/api/router.h"

using namespace photon::coordinator;
using photon::common::Json;

namespace {
HttpRequest request(std::string method, std::string target, std::string body = {}) {
  HttpRequest req;
  req.method = std::move(method);
  auto q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) req.query = target.substr(q + 1);
  req.body = std::move(body);
  return req;
}

HttpResponse dispatch(const Router& router, HttpRequest req) {
  HttpResponse res;
  router.dispatch(req, res);
  return res;
}
}  // namespace

TEST_CASE("router: the most literal route wins and path parameters are decoded", "[edge]") {
  HttpMetrics metrics;
  Router router(metrics);
  std::string seen;
  router.get("/api/v1/nodes/{id}", [&](const HttpRequest& req, HttpResponse& res) {
    seen = "node:" + req.pathParam("id");
    sendJson(res, 200, Json::object());
  });
  router.get("/api/v1/nodes/all", [&](const HttpRequest&, HttpResponse& res) {
    seen = "all";
    sendJson(res, 200, Json::object());
  });
  CHECK(dispatch(router, request("GET", "/api/v1/nodes/all")).status == 200);
  CHECK(seen == "all");
  CHECK(dispatch(router, request("GET", "/api/v1/nodes/n%2F1")).status == 200);
  CHECK(seen == "node:n/1");
  // A trailing slash or doubled slashes name the same resource.
  CHECK(dispatch(router, request("GET", "/api/v1/nodes/n1/")).status == 200);
  CHECK(seen == "node:n1");
}

TEST_CASE("router: unknown paths are 404 and wrong methods 405, both naming what was wrong",
          "[edge]") {
  HttpMetrics metrics;
  Router router(metrics);
  router.get("/api/v1/things/{id}",
             [](const HttpRequest&, HttpResponse& res) { sendJson(res, 200, Json::object()); });
  router.del("/api/v1/things/{id}",
             [](const HttpRequest&, HttpResponse& res) { sendJson(res, 200, Json::object()); });
  auto missing = dispatch(router, request("GET", "/api/v1/nothing"));
  CHECK(missing.status == 404);
  CHECK(Json::parse(missing.body)["field"] == "path");
  auto wrong = dispatch(router, request("PATCH", "/api/v1/things/x"));
  CHECK(wrong.status == 405);
  CHECK(Json::parse(wrong.body)["field"] == "method");
  bool has_allow = false;
  for (const auto& [name, value] : wrong.headers) {
    if (name == "Allow")
      has_allow =
          value.find("GET") != std::string::npos && value.find("DELETE") != std::string::npos;
  }
  CHECK(has_allow);
}

TEST_CASE("router: a handler that throws is a 500 and the router keeps serving", "[edge]") {
  HttpMetrics metrics;
  Router router(metrics);
  router.post("/boom", [](const HttpRequest&, HttpResponse&) { throw std::runtime_error("x"); });
  router.get("/ok",
             [](const HttpRequest&, HttpResponse& res) { sendJson(res, 200, Json::object()); });
  CHECK(dispatch(router, request("POST", "/boom")).status == 500);
  CHECK(dispatch(router, request("GET", "/ok")).status == 200);
}

TEST_CASE("router: query parameters split on the first '=' and decode '+' and '%'", "[edge]") {
  HttpRequest req = request("GET", "/x?label=rack%3Dr2&label=zone=a+b&wait=5&flag");
  CHECK(req.params("label") == std::vector<std::string>{"rack=r2", "zone=a b"});
  CHECK(req.param("wait") == "5");
  CHECK(req.hasParam("flag"));
  CHECK_FALSE(req.hasParam("nope"));
  CHECK(req.param("nope").empty());
}

TEST_CASE("router: metrics name routes by template, and a client cannot invent methods", "[edge]") {
  HttpMetrics metrics;
  Router router(metrics);
  router.get("/api/v1/nodes/{id}",
             [](const HttpRequest&, HttpResponse& res) { sendJson(res, 200, Json::object()); });
  dispatch(router, request("GET", "/api/v1/nodes/a"));
  dispatch(router, request("GET", "/api/v1/nodes/b"));
  dispatch(router, request("BREW", "/api/v1/nodes/b"));
  std::string text;
  metrics.render(text);
  CHECK(text.find("route=\"/api/v1/nodes/{id}\"") != std::string::npos);
  CHECK(text.find("/api/v1/nodes/a") == std::string::npos);
  CHECK(text.find("BREW") == std::string::npos);
  CHECK(text.find("method=\"OTHER\"") != std::string::npos);
}

TEST_CASE("router: a held request is counted once, when it is answered", "[edge]") {
  HttpMetrics metrics;
  Router router(metrics);
  router.get("/poll", [](const HttpRequest&, HttpResponse& res) {
    auto poll = std::make_shared<LongPoll>();
    poll->key = "k";
    poll->changed = [] { return false; };
    poll->answer = [](HttpResponse& out) { sendJson(out, 200, Json{{"done", true}}); };
    res.hold = poll;
  });
  HttpRequest req = request("GET", "/poll");
  HttpResponse res;
  router.dispatch(req, res);
  REQUIRE(res.hold);
  std::string before;
  metrics.render(before);
  CHECK(before.find("route=\"/poll\"") == std::string::npos);
  HttpResponse answered;
  res.hold->answer(answered);
  CHECK(answered.status == 200);
  std::string after;
  metrics.render(after);
  CHECK(after.find("route=\"/poll\"") != std::string::npos);
}
