// HTTPS at the edge with certificates made by the openssl CLI: what verifies and what does not,
// from the client's side (photonctl's and the agent's HTTP client) and the server's (client
// certificates signed by the cluster CA).
#include <catch2/catch.hpp>
#include <thread>

#include "common/http_client.h"
#include "tests/coordinator/edge/edge_server.h"
#include "tests/support/test_ca.h"

using namespace photon;
using namespace photon::test;
using common::Json;

namespace {
common::Result<common::HttpResponse> call(const std::string& url, common::HttpClientOptions options,
                                          const std::string& method = "GET",
                                          const std::string& path = "/hello") {
  options.connect_timeout = std::chrono::milliseconds(2000);
  auto client = common::HttpClient::create(url, options);
  if (!client) return std::unexpected(client.error());
  return (*client)->request(method, path, method == "POST" ? "{}" : "");
}
}  // namespace

TEST_CASE("edge TLS: a client that trusts the cluster CA is served over HTTPS",
          "[edge][integration]") {
  TestCa ca;
  auto cert = ca.server("coordinator", "IP:127.0.0.1,DNS:localhost");
  EdgeServer edge({}, coordinator::TlsFiles{cert.cert_file, cert.key_file, ""});
  auto ok = call("https://" + edge.hostPort(), {.ca_file = ca.caFile()});
  REQUIRE(ok);
  CHECK(ok->status == 200);
  // By name too: the certificate names localhost.
  auto by_name = call("https://localhost:" + std::to_string(edge.port), {.ca_file = ca.caFile()});
  REQUIRE(by_name);
  CHECK(by_name->status == 200);
  // Plain HTTP to the TLS port is not served.
  auto plain = call("http://" + edge.hostPort(), {});
  CHECK((!plain || plain->status >= 400));
}

TEST_CASE("edge TLS: an expired certificate, a wrong host and an unknown CA are refused",
          "[edge][integration]") {
  TestCa ca;
  TestCa stranger("some-other-ca");
  SECTION("expired") {
    auto cert = ca.server("coordinator", "IP:127.0.0.1", /*days=*/-1);
    EdgeServer edge({}, coordinator::TlsFiles{cert.cert_file, cert.key_file, ""});
    auto refused = call("https://" + edge.hostPort(), {.ca_file = ca.caFile()});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("TLS certificate") != std::string::npos);
  }
  SECTION("wrong host") {
    auto cert = ca.server("coordinator", "DNS:coordinator.example");
    EdgeServer edge({}, coordinator::TlsFiles{cert.cert_file, cert.key_file, ""});
    auto refused = call("https://" + edge.hostPort(), {.ca_file = ca.caFile()});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find("TLS certificate") != std::string::npos);
  }
  SECTION("a CA the client does not trust") {
    auto cert = stranger.server("coordinator", "IP:127.0.0.1");
    EdgeServer edge({}, coordinator::TlsFiles{cert.cert_file, cert.key_file, ""});
    auto refused = call("https://" + edge.hostPort(), {.ca_file = ca.caFile()});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message.find(ca.caFile()) != std::string::npos);
  }
}

TEST_CASE("edge TLS: a client certificate from the cluster CA names the caller",
          "[edge][integration]") {
  TestCa ca;
  TestCa stranger("some-other-ca");
  auto cert = ca.server("coordinator", "IP:127.0.0.1");
  EdgeServer edge({}, coordinator::TlsFiles{cert.cert_file, cert.key_file, ca.caFile()});
  const std::string url = "https://" + edge.hostPort();

  auto node = ca.client("n-0001");
  auto with_cert = call(url,
                        {.ca_file = ca.caFile(),
                         .client_cert_file = node.cert_file,
                         .client_key_file = node.key_file},
                        "POST", "/echo");
  REQUIRE(with_cert);
  REQUIRE(with_cert->status == 200);
  auto echoed = Json::parse(with_cert->body);
  CHECK(echoed["peer"]["cn"] == "n-0001");
  CHECK_FALSE(echoed["peer"]["serial"].get<std::string>().empty());

  // Without a certificate: served (admins and new machines use tokens), but known by nobody.
  auto without = call(url, {.ca_file = ca.caFile()}, "POST", "/echo");
  REQUIRE(without);
  CHECK(Json::parse(without->body)["peer"].is_null());

  // A certificate from another CA does not get through the handshake.
  auto forged = stranger.client("n-0001");
  auto refused = call(url,
                      {.ca_file = ca.caFile(),
                       .client_cert_file = forged.cert_file,
                       .client_key_file = forged.key_file},
                      "POST", "/echo");
  INFO((refused ? "answered " + std::to_string(refused->status) + " " + refused->body
                : "failed: " + refused.error().message));
  CHECK(!refused);
  // With TLS 1.3 the client may see the broken connection a moment before the server counts
  // the failed handshake.
  bool counted = false;
  for (int i = 0; i < 50 && !counted; ++i) {
    counted = edge.renderedMetrics().find("reason=\"tls_handshake\"") != std::string::npos;
    if (!counted) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(counted);
}

TEST_CASE("edge TLS: unreadable or mismatched files stop the start with the flag named",
          "[edge][integration]") {
  TestCa ca;
  auto a = ca.server("a");
  auto b = ca.server("b");
  coordinator::HttpMetrics metrics;
  coordinator::Router router(metrics);
  coordinator::HttpServerOptions options;
  options.tls = coordinator::TlsFiles{a.cert_file, b.key_file, ""};
  coordinator::HttpServer mismatched(router, metrics, options);
  auto started = mismatched.start();
  REQUIRE_FALSE(started);
  CHECK(started.error().field == "tls-key");
  options.tls = coordinator::TlsFiles{"/nonexistent.pem", a.key_file, ""};
  coordinator::HttpServer missing(router, metrics, options);
  auto failed = missing.start();
  REQUIRE_FALSE(failed);
  CHECK(failed.error().field == "tls-cert");
}
