// Node certificates end to end against a real coordinator over TLS: the node trades its token
// for a certificate from the cluster CA, is known by it, and loses it when reprovisioned.
#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>
#include <sstream>

#include "common/pki.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/test_ca.h"

using namespace photon;
using namespace photon::test;
using common::Json;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct TlsCluster {
  TestCa ca;
  IssuedCertificate server = ca.server("coordinator", "IP:127.0.0.1");
  TempDir files;
  std::unique_ptr<CoordinatorFixture> c;

  TlsCluster() {
    common::pki::Authority authority{slurp(ca.caFile()), slurp(ca.dir() + "/ca.key")};
    c = std::make_unique<CoordinatorFixture>(
        "",
        [&](coordinator::CoordinatorOptions& o) {
          o.tls = coordinator::TlsFiles{server.cert_file, server.key_file, ca.caFile()};
          o.node_ca = authority;
          o.node_certificate_validity = std::chrono::hours(24);
          o.require_node_certificates = true;
        },
        common::HttpClientOptions{.ca_file = ca.caFile()});
    // Certificates carry the coordinator's time, and TLS checks them against the real one.
    c->clock().set(static_cast<int64_t>(std::time(nullptr)));
  }

  // A client for node calls: its token and, when given, its certificate files.
  std::unique_ptr<common::HttpClient> node(const std::string& token, const std::string& cert = {},
                                           const std::string& key = {}) {
    auto client = common::HttpClient::create(
        c->url(), {.ca_file = ca.caFile(), .client_cert_file = cert, .client_key_file = key});
    REQUIRE(client);
    if (!token.empty()) (*client)->setToken(token);
    return std::move(*client);
  }

  // Has the coordinator sign a fresh key for `node_id`; returns the certificate and key files.
  std::pair<std::string, std::string> certify(common::HttpClient& client, const std::string& id,
                                              const std::string& name) {
    auto made = common::pki::makeKeyAndRequest("not-the-node-id");
    REQUIRE(made);
    auto res =
        client.request("POST", "/api/v1/nodes/" + id + "/certificate",
                       Json{{"csr", made->request_pem},
                            {"ssh_host_key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH0 root@x"}}
                           .dump());
    REQUIRE(res);
    INFO(res->body);
    REQUIRE(res->status == 200);
    auto body = Json::parse(res->body);
    return {files.write(name + ".crt", body["certificate"]),
            files.write(name + ".key", made->key_pem)};
  }
};

int status(common::HttpClient& client, const std::string& method, const std::string& path) {
  auto res = client.request(method, path);
  return res ? res->status : -1;
}
}  // namespace

TEST_CASE("node certificates: a node trades its token for a certificate that names it",
          "[trust][edge][integration]") {
  TlsCluster t;
  auto enrolled = t.c->bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(enrolled.status == 200);
  std::string id = enrolled.body["node_id"], token = enrolled.body["token"];
  std::string desired = "/api/v1/nodes/" + id + "/desired";

  // With client certificates required, the token alone reads nothing but gets a certificate.
  auto by_token = t.node(token);
  CHECK(status(*by_token, "GET", desired) == 401);
  auto [cert, key] = t.certify(*by_token, id, "first");
  auto info = common::pki::readCertificate(slurp(cert));
  REQUIRE(info);
  CHECK(info->common_name == id);  // whatever the request asked for

  // The certificate alone identifies the node.
  auto by_cert = t.node("", cert, key);
  CHECK(status(*by_cert, "GET", desired) == 200);
  // … and only that node.
  auto other = t.c->bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(2));
  REQUIRE(other.status == 200);
  CHECK(status(*by_cert, "GET",
               "/api/v1/nodes/" + other.body["node_id"].get<std::string>() + "/desired") == 403);
  // The fleet's SSH host keys, for known_hosts.
  auto hosts = t.c->admin("GET", "/api/v1/known-hosts");
  REQUIRE(hosts.status == 200);
  REQUIRE(hosts.body["hosts"].size() == 1);
  CHECK(hosts.body["hosts"][0]["ssh_host_key"] == "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH0");
}

TEST_CASE(
    "node certificates: a renewal keeps the previous one until the next, retire revokes "
    "them all",
    "[trust][edge][integration]") {
  TlsCluster t;
  auto enrolled = t.c->bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(enrolled.status == 200);
  std::string id = enrolled.body["node_id"], token = enrolled.body["token"];
  std::string desired = "/api/v1/nodes/" + id + "/desired";
  auto by_token = t.node(token);
  auto [cert1, key1] = t.certify(*by_token, id, "c1");
  auto with1 = t.node("", cert1, key1);
  auto [cert2, key2] = t.certify(*with1, id, "c2");  // renewed with the current certificate
  auto with2 = t.node("", cert2, key2);
  CHECK(status(*with1, "GET", desired) == 200);  // the previous one still works
  CHECK(status(*with2, "GET", desired) == 200);
  auto [cert3, key3] = t.certify(*with2, id, "c3");
  auto with3 = t.node("", cert3, key3);
  CHECK(status(*with1, "GET", desired) == 401);  // two renewals back: gone
  CHECK(status(*with2, "GET", desired) == 200);
  CHECK(status(*with3, "GET", desired) == 200);

  // Past its validity on the coordinator's clock it is refused, whatever TLS thinks.
  t.c->clock().advance(25 * 3600);
  CHECK(status(*with3, "GET", desired) == 401);
  t.c->clock().advance(-25 * 3600);
  CHECK(status(*with3, "GET", desired) == 200);

  // Retiring the machine (or reprovisioning it) revokes every certificate it holds.
  REQUIRE(t.c->admin("POST", "/api/v1/nodes/" + id + "/actions/retire").status == 200);
  CHECK(status(*with2, "GET", desired) == 401);
  CHECK(status(*with3, "GET", desired) == 401);
}

TEST_CASE("node certificates: a forged or malformed request is refused, naming the field",
          "[trust][edge][integration]") {
  TlsCluster t;
  auto enrolled = t.c->bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(enrolled.status == 200);
  std::string id = enrolled.body["node_id"], token = enrolled.body["token"];
  auto by_token = t.node(token);
  auto post = [&](const Json& body) {
    auto res = by_token->request("POST", "/api/v1/nodes/" + id + "/certificate", body.dump());
    REQUIRE(res);
    return std::pair{res->status, Json::parse(res->body, nullptr, false)};
  };
  auto [s1, b1] = post(Json{{"csr", "-----BEGIN CERTIFICATE REQUEST-----\nnope\n"}});
  CHECK(s1 == 400);
  CHECK(b1["field"] == "csr");
  auto made = common::pki::makeKeyAndRequest(id);
  REQUIRE(made);
  auto [s2, b2] =
      post(Json{{"csr", made->request_pem}, {"ssh_host_key", "ssh-ed25519 AAAA\n<0>x"}});
  CHECK(s2 == 400);
  CHECK(b2["field"] == "ssh_host_key");
  // The bootstrap token is not a node's.
  auto boot = t.node(kBootstrapToken);
  auto res = boot->request("POST", "/api/v1/nodes/" + id + "/certificate",
                           Json{{"csr", made->request_pem}}.dump());
  REQUIRE(res);
  CHECK(res->status == 403);
}
