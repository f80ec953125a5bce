#include <catch2/catch.hpp>

#include <thread>

#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

namespace {
struct Enrolled {
  std::string id;
  std::string token;
};

Enrolled enroll(CoordinatorFixture& c, int n) {
  auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(n));
  REQUIRE(r.status == 200);
  return {r.body["node_id"], r.body["token"]};
}
}  // namespace

TEST_CASE("desired: ETag and If-None-Match answer 304 until the document changes",
          "[agent][integration]") {
  CoordinatorFixture c;
  auto node = enroll(c, 1);
  std::string path = "/api/v1/nodes/" + node.id + "/desired";
  auto first = c.as(node.token, "GET", path);
  REQUIRE(first.status == 200);
  CHECK(first.body["node_id"] == node.id);
  CHECK(first.body["revision"] == 0);
  CHECK(first.etag == "\"0\"");
  CHECK(c.as(node.token, "GET", path, "", {{"If-None-Match", first.etag}}).status == 304);

  REQUIRE(c.admin("PUT", path + "/system", Json{{"system", "/nix/store/x"}}).status == 200);
  auto changed = c.as(node.token, "GET", path, "", {{"If-None-Match", first.etag}});
  REQUIRE(changed.status == 200);
  CHECK(changed.body["system"]["system"] == "/nix/store/x");
  CHECK(changed.etag != first.etag);
  CHECK(c.as(node.token, "GET", path, "", {{"If-None-Match", changed.etag}}).status == 304);
}

TEST_CASE("desired: the served document's node_id and revision are refused as sections",
          "[agent][integration]") {
  CoordinatorFixture c;
  auto node = enroll(c, 1);
  std::string path = "/api/v1/nodes/" + node.id + "/desired";
  for (const char* field : {"node_id", "revision", "node-id"}) {
    INFO(field);
    auto refused = c.admin("PUT", path + "/" + field, Json{{"x", 1}});
    CHECK(refused.status == 400);
    CHECK(refused.body["field"] == "section");
    const std::string error = refused.body["error"];
    CHECK(error.find(std::string("'") + field + "' is reserved") != std::string::npos);
    CHECK(error.find("node_id") != std::string::npos);
  }
  // Nothing was written: the document is still the empty one, with the node's own id.
  auto served = c.as(node.token, "GET", path);
  REQUIRE(served.status == 200);
  CHECK(served.body == Json{{"node_id", node.id}, {"revision", 0}});
}

TEST_CASE("desired: a long-poll answers as soon as the revision moves", "[agent][integration]") {
  CoordinatorFixture c;
  auto node = enroll(c, 1);
  std::string path = "/api/v1/nodes/" + node.id + "/desired";
  auto first = c.as(node.token, "GET", path);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    c.admin("PUT", path + "/units", Json::array());
  });
  auto started = std::chrono::steady_clock::now();
  auto polled = c.as(node.token, "GET", path + "?wait=20", "", {{"If-None-Match", first.etag}});
  auto waited = std::chrono::steady_clock::now() - started;
  writer.join();
  CHECK(polled.status == 200);
  CHECK(polled.body.contains("units"));
  CHECK(waited >= std::chrono::milliseconds(250));
  CHECK(waited < std::chrono::seconds(10));

  // Nothing changes: the wait ends at its timeout with a 304.
  started = std::chrono::steady_clock::now();
  auto idle = c.as(node.token, "GET", path + "?wait=1", "", {{"If-None-Match", polled.etag}});
  CHECK(idle.status == 304);
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(900));
  CHECK(c.as(node.token, "GET", path + "?wait=9999").status == 400);
  CHECK(c.as(node.token, "GET", path + "?wait=abc").status == 400);
}

TEST_CASE("desired: a node holds one long-poll at a time, a newer one releases the older",
          "[agent][integration]") {
  CoordinatorFixture c;
  auto node = enroll(c, 1);
  std::string path = "/api/v1/nodes/" + node.id + "/desired";
  std::string etag = c.as(node.token, "GET", path).etag;
  auto started = std::chrono::steady_clock::now();
  int first_status = 0;
  std::chrono::steady_clock::duration first_took{};
  std::thread first([&] {
    first_status = c.as(node.token, "GET", path + "?wait=20", "", {{"If-None-Match", etag}}).status;
    first_took = std::chrono::steady_clock::now() - started;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The agent reconnected: its new poll replaces the old one, which is answered now.
  auto second = c.as(node.token, "GET", path + "?wait=1", "", {{"If-None-Match", etag}});
  first.join();
  CHECK(first_status == 304);
  CHECK(first_took < std::chrono::seconds(5));
  CHECK(second.status == 304);
  // An operator's poll on the same document does not count as the node's.
  started = std::chrono::steady_clock::now();
  std::thread node_poll([&] {
    first_status = c.as(node.token, "GET", path + "?wait=2", "", {{"If-None-Match", etag}}).status;
    first_took = std::chrono::steady_clock::now() - started;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(c.as(photon::test::kAdminToken, "GET", path + "?wait=1", "", {{"If-None-Match", etag}})
            .status == 304);
  node_poll.join();
  CHECK(first_status == 304);
  CHECK(first_took >= std::chrono::milliseconds(1900));
}

TEST_CASE("auth: each token opens only its own doors", "[inventory][integration]") {
  CoordinatorFixture c;
  auto a = enroll(c, 1);
  auto b = enroll(c, 2);
  std::string a_desired = "/api/v1/nodes/" + a.id + "/desired";
  CHECK(c.as("", "GET", a_desired).status == 401);
  CHECK(c.as("not-a-token", "GET", a_desired).status == 401);
  CHECK(c.as(b.token, "GET", a_desired).status == 403);
  CHECK(c.as(a.token, "GET", a_desired).status == 200);
  CHECK(c.as(a.token, "PUT", "/api/v1/nodes/" + b.id + "/observed", "{}").status == 403);
  CHECK(c.as(a.token, "GET", "/api/v1/nodes").status == 403);
  CHECK(c.as(a.token, "POST", "/api/v1/phone-home", CoordinatorFixture::machine(3).dump()).status ==
        403);
  CHECK(c.bootstrap("GET", "/api/v1/nodes").status == 403);
  CHECK(c.bootstrap("GET", a_desired).status == 403);
  CHECK(c.admin("POST", "/api/v1/phone-home", CoordinatorFixture::machine(3)).status == 403);
  // The operator may read a node's documents but not write its observed state.
  CHECK(c.admin("GET", a_desired).status == 200);
  CHECK(c.admin("PUT", "/api/v1/nodes/" + a.id + "/observed", Json::object()).status == 403);
  auto denied = c.as(b.token, "GET", a_desired);
  CHECK(denied.body["field"] == "authorization");
}

TEST_CASE("observed: the agent's install reports move the lifecycle and are stored",
          "[agent][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto ok = enroll(c, 1);
  auto bad = enroll(c, 2);
  auto put = [&](const Enrolled& n, const std::string& body) {
    return c.as(n.token, "PUT", "/api/v1/nodes/" + n.id + "/observed", body);
  };
  REQUIRE(put(ok, R"({"install": {"phase": "installing"}})").status == 200);
  CHECK(c.admin("GET", "/api/v1/nodes/" + ok.id).body["state"] == "installing");
  REQUIRE(put(ok, R"({"install": {"phase": "installed"}, "agent_version": "t"})").status == 200);
  auto node = c.admin("GET", "/api/v1/nodes/" + ok.id);
  CHECK(node.body["state"] == "active");
  CHECK(node.body["observed"]["agent_version"] == "t");

  REQUIRE(
      put(bad, R"({"install": {"phase": "failed", "error": "disko: no disk /dev/sdz"}})").status ==
      200);
  node = c.admin("GET", "/api/v1/nodes/" + bad.id);
  CHECK(node.body["state"] == "install-failed");
  CHECK(node.body["last_error"] == "disko: no disk /dev/sdz");
  auto late = put(bad, R"({"install": {"phase": "installed"}})");
  CHECK(late.status == 409);
  CHECK(late.body["field"] == "install.phase");
  CHECK(put(ok, R"({"install": {"phase": "rebooting"}})").status == 400);
}
