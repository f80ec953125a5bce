// The console's routes on a real coordinator: the embedded files with their security headers,
// no way out of the embedded table, and the fleet watch (held until the store moves, bounded,
// admin only). The browser side is tests/console (ctest console.browser).
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "tests/support/coordinator_fixture.h"
#include "tests/support/raw_http.h"

using namespace photon;
using namespace photon::test;

namespace {
RawReply get(int port, const std::string& target, const std::string& token = "",
             const std::string& extra = "") {
  RawConnection conn(port);
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  request += extra + "Connection: close\r\n\r\n";
  REQUIRE(conn.send(request));
  return readReply(conn);
}
}  // namespace

TEST_CASE("the console is served with a strict CSP, no framing and its content types",
          "[console]") {
  CoordinatorFixture c;
  const int port = c.server().port();
  RawReply index = get(port, "/ui/");
  REQUIRE(index.status == 200);
  CHECK(index.headers["content-type"] == "text/html; charset=utf-8");
  const std::string csp = index.headers["content-security-policy"];
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self';") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(csp.find("unsafe") == std::string::npos);
  CHECK(index.headers["x-frame-options"] == "DENY");
  CHECK(index.headers["x-content-type-options"] == "nosniff");
  CHECK(index.headers["cache-control"] == "no-cache");
  CHECK(index.body.find("<script type=\"module\" src=\"app.js\"></script>") != std::string::npos);
  CHECK(index.body.find("<script>") == std::string::npos);

  RawReply js = get(port, "/ui/app.js");
  REQUIRE(js.status == 200);
  CHECK(js.headers["content-type"] == "text/javascript; charset=utf-8");
  CHECK(js.headers["x-content-type-options"] == "nosniff");
  CHECK(get(port, "/ui/style.css").headers["content-type"] == "text/css; charset=utf-8");

  SECTION("an unchanged file is revalidated without its body") {
    RawReply again = get(port, "/ui/app.js", "", "If-None-Match: " + js.headers["etag"] + "\r\n");
    CHECK(again.status == 304);
    CHECK(again.body.empty());
  }
  SECTION("only the embedded names are served") {
    for (const char* path : {"/ui/..%2fCMakeLists.txt", "/ui/%2e%2e", "/ui/..%2F..%2Fetc%2Fpasswd",
                             "/ui/../../etc/passwd", "/ui/missing.js", "/ui/a/b", "/ui/.%2e"}) {
      INFO(path);
      CHECK(get(port, path).status == 404);
    }
  }
  SECTION("/ui and / lead to /ui/") {
    RawReply bare = get(port, "/ui");
    CHECK(bare.status == 308);
    CHECK(bare.headers["location"] == "/ui/");
    CHECK(get(port, "/").headers["location"] == "/ui/");
  }
}

TEST_CASE("the fleet watch is held until the store moves, and bounded", "[console]") {
  CoordinatorFixture c;
  const int port = c.server().port();
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto phoned = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(phoned.status == 200);
  const std::string id = phoned.body["node_id"];

  auto now = c.admin("GET", "/api/v1/watch");
  REQUIRE(now.status == 200);
  const int64_t revision = now.body["revision"];
  REQUIRE(revision > 0);

  SECTION("a stale revision is answered at once") {
    auto r = c.admin("GET", "/api/v1/watch?wait=30&since=" + std::to_string(revision - 1));
    CHECK(r.status == 200);
    CHECK(r.body["revision"] == revision);
  }
  SECTION("the current revision is held until a node changes") {
    RawConnection conn(port);
    REQUIRE(conn.send("GET /api/v1/watch?wait=20&since=" + std::to_string(revision) +
                      " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kAdminToken + "\r\n\r\n"));
    // Nothing yet: the poll is parked.
    CHECK(readReply(conn, std::chrono::milliseconds(400)).status == 0);
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(c.admin("PATCH", "/api/v1/nodes/" + id, {{"labels", {{"rack", "r9"}}}}).status == 200);
    RawReply held = readReply(conn, std::chrono::seconds(5));
    REQUIRE(held.status == 200);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
    CHECK(common::Json::parse(held.body)["revision"].get<int64_t>() > revision);
  }
  SECTION("held no longer than asked") {
    const auto started = std::chrono::steady_clock::now();
    auto r = c.admin("GET", "/api/v1/watch?wait=1&since=" + std::to_string(revision));
    CHECK(r.status == 200);
    CHECK(r.body["revision"] == revision);
    CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(900));
  }
  SECTION("bad input names its field; only the admin may watch") {
    auto tooLong = c.admin("GET", "/api/v1/watch?wait=61&since=1");
    CHECK(tooLong.status == 400);
    CHECK(tooLong.body["field"] == "wait");
    auto notNumber = c.admin("GET", "/api/v1/watch?since=-1");
    CHECK(notNumber.status == 400);
    CHECK(notNumber.body["field"] == "since");
    CHECK(c.as("wrong", "GET", "/api/v1/watch").status == 401);
    CHECK(c.as(phoned.body["token"], "GET", "/api/v1/watch").status == 403);
  }
}

TEST_CASE("the node list gives each node's reported system when asked", "[console]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto one = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  auto two = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(2));
  REQUIRE(one.status == 200);
  REQUIRE(two.status == 200);
  common::Json observed = {{"domains",
                            {{"system",
                              {{"outcome", "applied"},
                               {"system", "/nix/store/x-web"},
                               {"generation", 7},
                               {"reboot_required", true},
                               {"booted_system", "/nix/store/y-web"}}}}}};
  const std::string id = one.body["node_id"];
  REQUIRE(
      c.as(one.body["token"], "PUT", "/api/v1/nodes/" + id + "/observed", observed.dump()).status ==
      200);

  auto plain = c.admin("GET", "/api/v1/nodes");
  REQUIRE(plain.status == 200);
  CHECK_FALSE(plain.body["nodes"][0].contains("observed_system"));

  auto with = c.admin("GET", "/api/v1/nodes?with=system");
  REQUIRE(with.status == 200);
  REQUIRE(with.body["nodes"].size() == 2);
  for (const auto& node : with.body["nodes"]) {
    if (node["id"] == id) {
      CHECK(node["observed_system"] == common::Json{{"outcome", "applied"},
                                                    {"system", "/nix/store/x-web"},
                                                    {"generation", 7},
                                                    {"reboot_required", true}});
    } else {
      CHECK(node["observed_system"].is_null());
    }
  }
  auto bad = c.admin("GET", "/api/v1/nodes?with=everything");
  CHECK(bad.status == 400);
  CHECK(bad.body["field"] == "with");
}
