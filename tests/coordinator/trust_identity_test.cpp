// Attacks by a machine that holds only the boot ISO (and so the shared bootstrap token): each
// must now fail against a real coordinator.
#include <catch2/catch.hpp>

#include "tests/support/coordinator_fixture.h"
#include "tests/support/raw_http.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

namespace {
std::string errorOf(const test::Reply& r) {
  return r.body.value("error", "");
}

test::Reply phoneHomeAs(CoordinatorFixture& c, const std::string& token, const Json& body) {
  return c.as(token, "POST", "/api/v1/phone-home", body.dump());
}

// Status of reading node `id`'s desired document with the token `answer` handed out.
int readDesired(CoordinatorFixture& c, const test::Reply& answer, const std::string& id) {
  return c.as(answer.body["token"], "GET", "/api/v1/nodes/" + id + "/desired").status;
}
}  // namespace

TEST_CASE("trust: a phone-home carrying a photon.io/ label is refused, naming the label",
          "[trust][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  // photon.io/node is the declared name placement writes BGP config (passwords) for.
  Json attack = CoordinatorFixture::machine(1);
  attack["labels"] = {{"rack", "r1"}, {"photon.io/node", "core-1"}};
  auto r = c.bootstrap("POST", "/api/v1/phone-home", attack);
  CHECK(r.status == 400);
  CHECK(r.body["field"] == "labels.photon.io/node");
  CHECK(errorOf(r).find("photon.io/node") != std::string::npos);
  CHECK(c.admin("GET", "/api/v1/nodes").body["nodes"].empty());

  // The operator may still set one.
  attack["labels"].erase("photon.io/node");
  auto ok = c.bootstrap("POST", "/api/v1/phone-home", attack);
  REQUIRE(ok.status == 200);
  std::string id = ok.body["node_id"];
  auto patched =
      c.admin("PATCH", "/api/v1/nodes/" + id, Json{{"labels", {{"photon.io/node", "core-1"}}}});
  CHECK(patched.status == 200);
  CHECK(c.admin("GET", "/api/v1/nodes/" + id).body["labels"]["photon.io/node"] == "core-1");
}

TEST_CASE(
    "trust: claiming an enrolled machine-id with the bootstrap token alone is a 409 and "
    "leaves the node's token working",
    "[trust][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  Json victim = CoordinatorFixture::machine(1);  // rule "big": install-pending, has an address
  Json ready = CoordinatorFixture::machine(2);
  ready["facts"]["dmi"]["vendor"] = "ACME";  // rule "gpu": ready, no address yet
  for (const Json& machine : {victim, ready}) {
    auto enrolled = c.bootstrap("POST", "/api/v1/phone-home", machine);
    REQUIRE(enrolled.status == 200);
    std::string id = enrolled.body["node_id"];
    std::string token = enrolled.body["token"];

    // The attacker copies the machine-id (it is on the victim's console, in DHCP logs...).
    Json attack = CoordinatorFixture::machine(50);
    attack["machine_id"] = machine["machine_id"];
    auto r = c.bootstrap("POST", "/api/v1/phone-home", attack);
    CHECK(r.status == 409);
    CHECK(r.body["field"] == "machine_id");
    CHECK(errorOf(r).find(id) != std::string::npos);
    CHECK(errorOf(r).find("photonctl reprovision") != std::string::npos);
    CHECK_FALSE(r.body.contains("token"));
    // The same body as the victim's is no proof either.
    CHECK(c.bootstrap("POST", "/api/v1/phone-home", machine).status == 409);

    CHECK(c.as(token, "GET", "/api/v1/nodes/" + id + "/desired").status == 200);
    auto node = c.admin("GET", "/api/v1/nodes/" + id).body;
    CHECK(node["facts"]["nics"][0]["mac"] == machine["facts"]["nics"][0]["mac"]);
  }
}

TEST_CASE(
    "trust: a node phoning home again with its own token is recognised and gets a new "
    "token",
    "[trust][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  Json machine = CoordinatorFixture::machine(3);
  auto first = c.bootstrap("POST", "/api/v1/phone-home", machine);
  REQUIRE(first.status == 200);
  std::string id = first.body["node_id"];
  auto again = phoneHomeAs(c, first.body["token"], machine);
  INFO(again.body.dump());
  REQUIRE(again.status == 200);
  CHECK(again.body["node_id"] == id);
  CHECK(again.body["install_plan"] == first.body["install_plan"]);
  CHECK(readDesired(c, first, id) == 401);
  CHECK(readDesired(c, again, id) == 200);

  // Another node's token proves nothing about this machine-id.
  auto other = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(4));
  REQUIRE(other.status == 200);
  auto stolen = phoneHomeAs(c, other.body["token"], machine);
  CHECK(stolen.status == 403);
  CHECK(phoneHomeAs(c, other.body["token"], CoordinatorFixture::machine(40)).status == 403);
  CHECK(readDesired(c, again, id) == 200);
}

TEST_CASE(
    "trust: an operator's reprovision or rescue lets the machine enrol again with the "
    "bootstrap token, the old token stops working",
    "[trust][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  for (const char* action : {"reprovision", "rescue"}) {
    Json machine = CoordinatorFixture::machine(std::string(action) == "rescue" ? 6 : 5);
    auto first = c.bootstrap("POST", "/api/v1/phone-home", machine);
    REQUIRE(first.status == 200);
    std::string id = first.body["node_id"];
    REQUIRE(c.bootstrap("POST", "/api/v1/phone-home", machine).status == 409);
    REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/" + action).status == 200);
    auto again = c.bootstrap("POST", "/api/v1/phone-home", machine);
    INFO(action << ": " << again.body.dump());
    REQUIRE(again.status == 200);
    CHECK(again.body["node_id"] == id);
    CHECK(readDesired(c, first, id) == 401);
    CHECK(readDesired(c, again, id) == 200);
  }
}

TEST_CASE(
    "trust: a discovered node that has received nothing may phone home again, once it "
    "has reported, only its token moves it",
    "[trust][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  Json small = CoordinatorFixture::machine(7, 2);  // no rule matches: discovered
  auto first = c.bootstrap("POST", "/api/v1/phone-home", small);
  REQUIRE(first.status == 200);
  REQUIRE(first.body["state"] == "discovered");
  std::string id = first.body["node_id"];
  // The first answer was lost on the way: the machine asks again and is the same node.
  auto again = c.bootstrap("POST", "/api/v1/phone-home", small);
  REQUIRE(again.status == 200);
  CHECK(again.body["node_id"] == id);

  std::string token = again.body["token"];
  REQUIRE(c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
               Json{{"agent_version", "test"}}.dump())
              .status == 200);
  auto claim = c.bootstrap("POST", "/api/v1/phone-home", small);
  CHECK(claim.status == 409);
  CHECK(errorOf(claim).find(id) != std::string::npos);
  CHECK(c.as(token, "GET", "/api/v1/nodes/" + id + "/desired").status == 200);
}

TEST_CASE("trust: a verified client certificate proves the node like its token does",
          "[trust][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  Json machine = CoordinatorFixture::machine(8);
  auto first = c.bootstrap("POST", "/api/v1/phone-home", machine);
  REQUIRE(first.status == 200);
  std::string id = first.body["node_id"];
  auto request = common::phoneHomeFromJson(machine);
  REQUIRE(request);
  // What the edge passes once it has verified a certificate with CN = the node id.
  auto& inventory = c.server().inventory();
  auto again = inventory.phoneHome(*request, {.certified_node = id});
  REQUIRE(again);
  CHECK(again->node.id == id);
  auto other = inventory.phoneHome(*request, {.certified_node = "node-someoneels"});
  REQUIRE_FALSE(other);
  CHECK(other.error().code == common::ErrorCode::kForbidden);
  CHECK(readDesired(c, first, id) == 401);  // the certified phone-home rotated the token
}

// The edge remembers, per kept-alive connection, which node its Authorization header proved
// (no SHA-256 and no lookup on the next poll): that memory must not outlive the token.
TEST_CASE(
    "trust: a token replaced while its agent keeps its connection open is refused on that same "
    "connection",
    "[trust][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  Json machine = CoordinatorFixture::machine(9);
  auto first = c.bootstrap("POST", "/api/v1/phone-home", machine);
  REQUIRE(first.status == 200);
  std::string id = first.body["node_id"];
  std::string token = first.body["token"];

  const std::string url = c.url();
  test::RawConnection connection(std::stoi(url.substr(url.rfind(':') + 1)));
  const std::string poll = "GET /api/v1/nodes/" + id +
                           "/desired HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                           "\r\n\r\n";
  for (int i = 0; i < 3; ++i) {  // the first proves the token, the next ones are remembered
    REQUIRE(connection.send(poll));
    CHECK(test::readReply(connection).status == 200);
  }
  // Another caller on the same connection is looked up afresh, not taken for the node.
  REQUIRE(connection.send("GET /api/v1/nodes/" + id +
                          "/desired HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-a-token"
                          "\r\n\r\n"));
  CHECK(test::readReply(connection).status == 401);
  REQUIRE(connection.send(poll));
  CHECK(test::readReply(connection).status == 200);

  // A certified phone-home rotates the node's token (see above): the old one is gone.
  auto request = common::phoneHomeFromJson(machine);
  REQUIRE(request);
  auto again = c.server().inventory().phoneHome(*request, {.certified_node = id});
  REQUIRE(again);
  REQUIRE(connection.send(poll));
  auto refused = test::readReply(connection);
  CHECK(refused.status == 401);
  CHECK(refused.body.find("unknown or revoked token") != std::string::npos);
}
