// Every kind of bad input gets a 400/404/413 with {"error", "field"}, and the store is unchanged.
#include <catch2/catch.hpp>

#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

namespace {
struct Case {
  std::string name;
  std::string method;
  std::string path;
  std::string body;
  int status;
  std::string field;
  bool bootstrap = false;
};
}  // namespace

TEST_CASE("bad input: each kind answers a clear error and changes nothing",
          "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto enrolled = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(enrolled.status == 200);
  std::string id = enrolled.body["node_id"];

  Json wrong_type = CoordinatorFixture::machine(2);
  wrong_type["facts"]["cpu"]["cores"] = "eight";
  Json bad_mac = CoordinatorFixture::machine(3);
  bad_mac["facts"]["nics"][0]["mac"] = "not-a-mac";
  Json bad_machine = CoordinatorFixture::machine(4);
  bad_machine["machine_id"] = "../../etc/passwd";
  Json bad_host = CoordinatorFixture::machine(5);
  bad_host["hostname"] = "a b;reboot";
  Json many_disks = CoordinatorFixture::machine(6);
  many_disks["facts"]["disks"] = Json::array();
  for (int i = 0; i < 300; ++i) many_disks["facts"]["disks"].push_back({{"name", "d"}});
  Json bad_pool = CoordinatorFixture::sampleCluster();
  bad_pool["pools"][0]["range_start"] = "10.0.1.999";
  Json bad_name = CoordinatorFixture::sampleCluster();
  bad_name["pools"][0]["name"] = "Web_Pool";

  const std::vector<Case> cases = {
      {"malformed JSON", "POST", "/api/v1/phone-home", "{\"machine_id\": ", 400, "body", true},
      {"not an object", "POST", "/api/v1/phone-home", "[1,2]", 400, "body", true},
      {"missing field", "POST", "/api/v1/phone-home", "{}", 400, "machine_id", true},
      {"wrong type", "POST", "/api/v1/phone-home", wrong_type.dump(), 400, "facts.cpu.cores", true},
      {"bad MAC", "POST", "/api/v1/phone-home", bad_mac.dump(), 400, "facts.nics[0].mac", true},
      {"bad machine id", "POST", "/api/v1/phone-home", bad_machine.dump(), 400, "machine_id", true},
      {"bad hostname", "POST", "/api/v1/phone-home", bad_host.dump(), 400, "hostname", true},
      {"too many disks", "POST", "/api/v1/phone-home", many_disks.dump(), 400, "facts.disks", true},
      {"unparsable address", "PUT", "/api/v1/cluster", bad_pool.dump(), 400,
       "pools[0].range_start"},
      {"bad pool name", "PUT", "/api/v1/cluster", bad_name.dump(), 400, "pools[0].name"},
      {"unknown action", "POST", "/api/v1/nodes/" + id + "/actions/explode", "", 400, "action"},
      {"bad node id", "GET", "/api/v1/nodes/NODE_1", "", 400, "id"},
      {"unknown node", "GET", "/api/v1/nodes/node-0000000000", "", 404, "id"},
      {"oversize body", "PUT", "/api/v1/cluster", std::string(2 << 20, ' '), 413, "body"},
      {"unknown endpoint", "GET", "/api/v1/nonsense", "", 404, "path"},
      {"bad label filter", "GET", "/api/v1/nodes?label=noequals", "", 400, "label"},
      {"bad desired section", "PUT", "/api/v1/nodes/" + id + "/desired/Bad_Section", "{}", 400,
       "section"},
  };
  int64_t revision = c.admin("GET", "/health").body["revision"];
  Json cluster_before = c.admin("GET", "/api/v1/cluster").body;
  for (const auto& k : cases) {
    INFO(k.name);
    auto r =
        c.as(k.bootstrap ? test::kBootstrapToken : test::kAdminToken, k.method, k.path, k.body);
    CHECK(r.status == k.status);
    REQUIRE(r.body.is_object());
    CHECK(r.body["error"].is_string());
    CHECK_FALSE(r.body["error"].get<std::string>().empty());
    CHECK(r.body["field"] == k.field);
  }
  CHECK(c.admin("GET", "/health").body["revision"] == revision);
  Json cluster_after = c.admin("GET", "/api/v1/cluster").body;
  CHECK(cluster_after == cluster_before);
  CHECK(c.admin("GET", "/api/v1/nodes").body["nodes"].size() == 1);
}
