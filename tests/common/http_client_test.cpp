#include "common/http_client.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/etcd_cluster.h"

using namespace photon;

namespace {
// A real HTTP server on 127.0.0.1 that answers every GET and POST with `name`.
struct NamedServer {
  explicit NamedServer(std::string name) {
    server.set_tcp_nodelay(true);
    auto answer = [name](const httplib::Request&, httplib::Response& res) {
      res.set_content(name, "text/plain");
    };
    server.Get("/who", answer);
    server.Post("/who", answer);
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~NamedServer() {
    server.stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  httplib::Server server;
  int port = 0;
  std::thread thread;
};
}  // namespace

TEST_CASE("http client: several URLs, a call moves on from one that cannot be reached",
          "[common][integration]") {
  NamedServer live("live");
  std::string dead = "http://127.0.0.1:" + std::to_string(test::freeLoopbackPort());
  auto client = common::HttpClient::create(dead + "," + live.url() + "/");
  REQUIRE(client);
  CHECK((*client)->baseUrl() == dead);
  for (const char* method : {"GET", "POST"}) {  // never sent: safe to send elsewhere, even a POST
    auto r = (*client)->request(method, "/who");
    REQUIRE(r);
    CHECK(r->body == "live");
  }
  CHECK((*client)->baseUrl() == live.url());  // and it stays there

  auto none = common::HttpClient::create(dead + "," + dead);
  REQUIRE(none);
  auto failed = (*none)->request("GET", "/who");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == common::ErrorCode::kUnavailable);
  CHECK(failed.error().message.find(dead) != std::string::npos);
}

TEST_CASE("http client: a URL list is checked", "[common]") {
  CHECK_FALSE(common::HttpClient::create("http://a:1,ftp://b:2"));
  CHECK_FALSE(common::HttpClient::create(","));
  auto urls = common::splitUrlList("http://a:1/, https://b:2", "coordinator");
  CHECK_FALSE(urls);  // a space is not part of a URL list
  urls = common::splitUrlList("http://a:1/,https://b:2", "coordinator");
  REQUIRE(urls);
  CHECK(*urls == std::vector<std::string>{"http://a:1", "https://b:2"});
}
