// photonctl's error wording, from hand-made answers and client errors.
#include <catch2/catch.hpp>

#include "coordinator/ctl/error_text.h"

using namespace photon;
using ctl::describeRefusal;
using ctl::describeUnreachable;

namespace {
common::HttpResponse answer(int status, const std::string& body) {
  return {status, body, {}};
}
}  // namespace

TEST_CASE("photonctl errors: a refused declaration is a sentence naming the field",
          "[declaration]") {
  CHECK(describeRefusal("PUT", "/api/v1/cluster",
                        answer(400, R"({"error":"is required","field":"name"})")) ==
        "the coordinator refused the declaration: field 'name' is required");
  CHECK(describeRefusal("PUT", "/api/v1/services/web",
                        answer(400, R"({"error":"out of range","field":"replicas"})")) ==
        "the coordinator refused service web: field 'replicas': out of range");
  CHECK(describeRefusal("PUT", "/api/v1/cluster",
                        answer(400, R"({"error":"malformed JSON","field":"body"})")) ==
        "the coordinator refused the declaration: the request body: malformed JSON");
  // A message that names its field already is left as it is.
  CHECK(describeRefusal("POST", "/api/v1/deployments",
                        answer(400, R"({"error":"unknown pool 'x'","field":"pool"})")) ==
        "the coordinator refused the new deployment: unknown pool 'x'");
}

TEST_CASE("photonctl errors: an illegal action lists what is allowed", "[inventory]") {
  auto text = describeRefusal(
      "POST", "/api/v1/nodes/n%201/actions/undrain",
      answer(409, R"({"error":"cannot undrain a node in state active","field":"action",)"
                  R"("allowed":["drain","retire"]})"));
  CHECK(text ==
        "the coordinator refused to undrain node n 1: cannot undrain a node in state active; "
        "allowed now: drain, retire");
}

TEST_CASE("photonctl errors: token, missing things, server failures", "[inventory]") {
  CHECK(describeRefusal("GET", "/api/v1/nodes", answer(401, R"({"error":"unauthorized"})")) ==
        "the coordinator did not accept the token: unauthorized (check --token-file or "
        "PHOTON_TOKEN_FILE)");
  CHECK(describeRefusal("GET", "/api/v1/nodes/n-9",
                        answer(404, R"({"error":"no node n-9","field":"id"})")) ==
        "not found: no node n-9");
  CHECK(describeRefusal("GET", "/api/v1/vms/db", answer(404, "")) ==
        "the coordinator has no VM db");
  CHECK(describeRefusal("GET", "/api/v1/services/web/allocations", answer(503, "busy")) ==
        "the coordinator failed on the allocations of service web (HTTP 503): busy");
}

TEST_CASE("photonctl errors: an unreachable coordinator says what failed and what to check",
          "[inventory]") {
  auto refused =
      describeUnreachable("/api/v1/nodes?state=active",
                          "GET http://127.0.0.1:7480/api/v1/nodes?state=active: Connection");
  CHECK(
      refused.starts_with("cannot reach the coordinator at http://127.0.0.1:7480: the "
                          "connection was refused or the host could not be reached."));
  CHECK(refused.find("--coordinator or PHOTON_COORDINATOR") != std::string::npos);

  auto tls = describeUnreachable("/api/v1/nodes",
                                 "GET https://c:7480/api/v1/nodes: SSLServerVerification");
  CHECK(tls.find("at https://c:7480: TLS verification failed") != std::string::npos);

  auto both = describeUnreachable("/api/v1/cluster",
                                  "PUT http://a:1/api/v1/cluster: ConnectionTimeout; "
                                  "PUT http://b:2/api/v1/cluster: Read");
  CHECK(
      both.starts_with("cannot reach any coordinator: http://a:1: connecting timed out; "
                       "http://b:2: no answer came"));
}
