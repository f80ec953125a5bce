// Node certificates across their life, with the real binaries: a coordinator serving HTTPS with
// a cluster CA that issues 30-second certificates, and an agent in run mode that gets its
// first one, renews it in its last third, and goes on polling with the new one after the old
// one has expired; the expired one is refused at the edge.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "agent/core/node_certificate.h"
#include "agent/core/node_credentials.h"
#include "agent/core/state_file.h"
#include "common/http_client.h"
#include "common/pki.h"
#include "tests/agent/agent_process.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/test_ca.h"

using namespace photon;
using photon::test::AgentProcess;
using photon::test::CoordinatorProcess;
using photon::test::TempDir;
using photon::test::waitUntil;
using namespace std::chrono_literals;
using common::Json;

namespace {

int64_t wallNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<common::pki::CertificateInfo> nodeCertificate(const std::string& state_dir) {
  auto pem = agent::readFile(state_dir + "/" + agent::kNodeCertFile);
  if (!pem) return std::nullopt;
  auto info = common::pki::readCertificate(*pem);
  return info ? std::optional(*info) : std::nullopt;
}

}  // namespace

TEST_CASE(
    "node certificate: the agent gets one, renews it before it expires, and the expired "
    "one is refused",
    "[trust][integration]") {
  TempDir dir, state;
  test::TestCa server_ca;
  auto server = server_ca.server("coordinator");
  auto cluster_ca = common::pki::makeAuthority("photon cluster CA", 1);
  REQUIRE(cluster_ca);
  std::string ca_cert = dir.write("cluster-ca.pem", cluster_ca->cert_pem);
  std::string ca_key = dir.write("cluster-ca.key", cluster_ca->key_pem);
  REQUIRE(::chmod(ca_key.c_str(), 0600) == 0);  // the coordinator refuses a key others can read
  // 0.000347 days: 30 s, renewed from about 19 s after issue.
  CoordinatorProcess coordinator(
      dir, "coordinator",
      {"--data-dir", dir.file("data"), "--tls-cert", server.cert_file, "--tls-key", server.key_file,
       "--node-ca-cert", ca_cert, "--node-ca-key", ca_key, "--node-cert-days", "0.000347"});
  REQUIRE(coordinator.port() > 0);
  const std::string url = "https://127.0.0.1:" + std::to_string(coordinator.port());

  auto boot = common::HttpClient::create(url, {.ca_file = server_ca.caFile()});
  REQUIRE(boot);
  (*boot)->setToken(test::kBootstrapToken);
  auto enrolled =
      (*boot)->request("POST", "/api/v1/phone-home", test::CoordinatorFixture::machine(1).dump());
  REQUIRE(enrolled);
  REQUIRE(enrolled->status == 200);
  Json answer = Json::parse(enrolled->body);
  const std::string node_id = answer["node_id"];
  REQUIRE(agent::saveCredentials(state.path(), {node_id, answer["token"]}));

  auto admin = common::HttpClient::create(url, {.ca_file = server_ca.caFile()});
  REQUIRE(admin);
  (*admin)->setToken(test::kAdminToken);
  auto observedRevision = [&] {
    auto r = (*admin)->request("GET", "/api/v1/nodes/" + node_id + "/observed");
    if (!r || r->status != 200) return int64_t{0};
    return Json::parse(r->body)
        .value("observed", Json::object())
        .value("desired_revision", int64_t{0});
  };
  auto putDesired = [&](const std::string& profile) {
    auto r = (*admin)->request("PUT", "/api/v1/nodes/" + node_id + "/desired/system",
                               Json{{"profile", profile}}.dump());
    REQUIRE(r);
    REQUIRE(r->status == 200);
    return Json::parse(r->body)["revision"].get<int64_t>();
  };

  std::string config = state.write("agent.json", Json{{"coordinator", url}}.dump());
  AgentProcess agent(
      {"run", "--state-dir", state.path(), "--config", config, "--ca-file", server_ca.caFile(),
       "--poll-interval", "1", "--long-poll", "2", "--retry-max", "0.5"},
      state.file("agent.log"));
  INFO(agent.log());

  // The first certificate, asked for with the node token at start.
  REQUIRE(waitUntil([&] { return nodeCertificate(state.path()).has_value(); }, 15s));
  auto first = *nodeCertificate(state.path());
  CHECK(first.common_name == node_id);
  CHECK(first.not_after - first.not_before == 33);  // 30 s, backdated by a tenth
  int64_t revision = putDesired("/nix/store/first");
  REQUIRE(waitUntil([&] { return observedRevision() == revision; }, 10s));
  std::string first_pem = *agent::readFile(state.path() + "/" + agent::kNodeCertFile);
  std::string first_key = *agent::readFile(state.path() + "/" + agent::kNodeKeyFile);

  // Renewed in its last third: before the first one expires.
  std::optional<common::pki::CertificateInfo> renewed;
  REQUIRE(waitUntil(
      [&] {
        renewed = nodeCertificate(state.path());
        return renewed && renewed->serial_hex != first.serial_hex;
      },
      40s));
  CHECK(wallNow() < first.not_after);
  CHECK(renewed->common_name == node_id);
  CHECK(agent.log().find("client certificate renewed") != std::string::npos);

  // Past the first one's end the agent still reaches the coordinator: with the new one (with
  // a client CA set, a node's token alone no longer gets its desired document).
  std::this_thread::sleep_for(
      std::chrono::seconds(std::max<int64_t>(0, first.not_after - wallNow() + 1)));
  revision = putDesired("/nix/store/second");
  REQUIRE(waitUntil([&] { return observedRevision() == revision; }, 15s));
  CHECK(agent.running());

  // The expired certificate is refused: TLS does not verify it, nothing is served.
  std::string old_cert = dir.write("old.crt", first_pem);
  std::string old_key = dir.write("old.key", first_key);
  common::HttpClientOptions with_old{.ca_file = server_ca.caFile()};
  with_old.client_cert_file = old_cert;
  with_old.client_key_file = old_key;
  auto stale = common::HttpClient::create(url, with_old);
  REQUIRE(stale);
  auto refused = (*stale)->request("GET", "/api/v1/nodes/" + node_id + "/desired");
  CHECK((!refused || refused->status == 401 || refused->status == 403));
}
