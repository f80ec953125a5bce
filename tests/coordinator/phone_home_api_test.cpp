#include <catch2/catch.hpp>

#include <set>

#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

TEST_CASE("phone-home: a matching rule enrolls the machine and hands out an install plan",
          "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);

  auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(r.status == 200);
  CHECK(r.body["state"] == "install-pending");  // rule "big" auto-installs
  std::string id = r.body["node_id"];
  const Json& plan = r.body["install_plan"];
  CHECK(plan["node_id"] == id);
  CHECK(plan["hostname"] == "web-1");
  CHECK(plan["address"] == "10.0.1.10");
  CHECK(plan["prefix_length"] == 24);
  CHECK(plan["gateway"] == "10.0.1.1");
  CHECK(plan["mac"] == "52:54:00:00:00:01");
  CHECK(plan["disk_layout"] == "single-ssd");
  CHECK(plan["system_profile"] == "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-web");
  CHECK(r.body["token"].get<std::string>().size() == 64);

  auto node = c.admin("GET", "/api/v1/nodes/" + id);
  REQUIRE(node.status == 200);
  CHECK(node.body["class"] == "compute");
  CHECK(node.body["labels"]["tier"] == "gold");  // from the class
  CHECK(node.body["rule"] == "big");
  CHECK(node.body["facts"]["cpu"]["cores"] == 8);
}

TEST_CASE(
    "phone-home: the same machine again (with its token) is the same node, with the same "
    "plan and a new token that replaces the old",
    "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto first = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(7));
  auto second = c.as(first.body["token"], "POST", "/api/v1/phone-home",
                     CoordinatorFixture::machine(7).dump());
  REQUIRE(first.status == 200);
  REQUIRE(second.status == 200);
  CHECK(first.body["node_id"] == second.body["node_id"]);
  CHECK(first.body["install_plan"] == second.body["install_plan"]);
  CHECK(first.body["token"] != second.body["token"]);
  std::string id = first.body["node_id"];
  CHECK(c.as(first.body["token"], "GET", "/api/v1/nodes/" + id + "/desired").status == 401);
  CHECK(c.as(second.body["token"], "GET", "/api/v1/nodes/" + id + "/desired").status == 200);
  CHECK(c.admin("GET", "/api/v1/nodes").body["nodes"].size() == 1);
}

TEST_CASE(
    "phone-home: a machine no rule matches stays discovered, rules, labels and the "
    "operator take it further",
    "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto small = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(2, 2));
  REQUIRE(small.status == 200);
  CHECK(small.body["state"] == "discovered");
  CHECK(small.body["install_plan"].is_null());
  std::string id = small.body["node_id"];

  // The operator assigns a pool, commissions; the agent's next phone-home completes it.
  CHECK(c.admin("POST", "/api/v1/nodes/" + id + "/actions/install").status == 409);
  REQUIRE(c.admin("PATCH", "/api/v1/nodes/" + id, Json{{"pool", "web"}}).status == 200);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/commission").body["state"] ==
          "commissioning");
  // From here on the machine proves it is the node with the token it was given.
  auto again = c.as(small.body["token"], "POST", "/api/v1/phone-home",
                    CoordinatorFixture::machine(2, 2).dump());
  CHECK(again.body["state"] == "ready");
  CHECK(again.body["install_plan"].is_null());
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/install").body["state"] ==
          "install-pending");
  auto plan = c.as(again.body["token"], "POST", "/api/v1/phone-home",
                   CoordinatorFixture::machine(2, 2).dump());
  CHECK(plan.body["install_plan"]["address"] == "10.0.1.10");

  // A higher-priority rule on DMI vendor wins over "big" and sets labels, no auto-install.
  Json gpu = CoordinatorFixture::machine(3);
  gpu["facts"]["dmi"]["vendor"] = "ACME";
  auto g = c.bootstrap("POST", "/api/v1/phone-home", gpu);
  CHECK(g.body["state"] == "ready");
  auto gnode = c.admin("GET", "/api/v1/nodes/" + g.body["node_id"].get<std::string>());
  CHECK(gnode.body["rule"] == "gpu");
  CHECK(gnode.body["labels"]["accel"] == "yes");
}

TEST_CASE(
    "phone-home: a duplicate MAC or DMI serial on another machine is refused with the "
    "other node named",
    "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto first = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(first.status == 200);
  std::string owner = first.body["node_id"];
  int64_t revision = c.admin("GET", "/health").body["revision"];

  Json same_mac = CoordinatorFixture::machine(2);
  same_mac["facts"]["nics"][0]["mac"] = "52:54:00:00:00:01";
  auto r = c.bootstrap("POST", "/api/v1/phone-home", same_mac);
  CHECK(r.status == 409);
  CHECK(r.body["field"] == "facts.nics[0].mac");
  CHECK(r.body["error"].get<std::string>().find(owner) != std::string::npos);

  Json same_serial = CoordinatorFixture::machine(3);
  same_serial["facts"]["dmi"]["serial"] = "SER-1";
  r = c.bootstrap("POST", "/api/v1/phone-home", same_serial);
  CHECK(r.status == 409);
  CHECK(r.body["field"] == "facts.dmi.serial");

  // Placeholder serials identify nothing and are not refused.
  Json oem1 = CoordinatorFixture::machine(4), oem2 = CoordinatorFixture::machine(5);
  oem1["facts"]["dmi"]["serial"] = "To Be Filled By O.E.M.";
  oem2["facts"]["dmi"]["serial"] = "To Be Filled By O.E.M.";
  CHECK(c.bootstrap("POST", "/api/v1/phone-home", oem1).status == 200);
  CHECK(c.bootstrap("POST", "/api/v1/phone-home", oem2).status == 200);
  // The refused ones changed nothing: two writes happened, for the two accepted machines.
  CHECK(c.admin("GET", "/health").body["revision"] == revision + 2);
}

TEST_CASE("phone-home: addresses are never given twice and a full pool says so",
          "[inventory][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  std::set<std::string> addresses, hostnames;
  for (int i = 0; i < 3; ++i) {
    auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(10 + i));
    REQUIRE(r.status == 200);
    addresses.insert(r.body["install_plan"]["address"]);
    hostnames.insert(r.body["install_plan"]["hostname"]);
  }
  CHECK(addresses == std::set<std::string>{"10.0.1.10", "10.0.1.11", "10.0.1.12"});
  CHECK(hostnames == std::set<std::string>{"web-1", "web-2", "web-3"});
  auto full = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(20));
  CHECK(full.status == 409);
  CHECK(full.body["field"] == "pool");
  CHECK(full.body["error"].get<std::string>().find("full") != std::string::npos);

  // Retiring a node frees its address and its identity: the next machine gets the address.
  std::string first = c.admin("GET", "/api/v1/nodes").body["nodes"][0]["id"];
  std::string freed = c.admin("GET", "/api/v1/nodes/" + first).body["address"];
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + first + "/actions/retire").status == 200);
  auto next = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(20));
  REQUIRE(next.status == 200);
  CHECK(next.body["install_plan"]["address"] == freed);
}

TEST_CASE("phone-home: concurrent machines all enroll with distinct addresses",
          "[inventory][integration]") {
  CoordinatorFixture c;
  Json cluster = CoordinatorFixture::sampleCluster();
  cluster["pools"][0]["range_end"] = "10.0.1.250";
  REQUIRE(c.admin("PUT", "/api/v1/cluster", cluster).status == 200);
  constexpr int kThreads = 8, kEach = 10;
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<std::string> addresses;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = c.bootstrap("POST", "/api/v1/phone-home",
                             CoordinatorFixture::machine(100 + t * kEach + i));
        if (r.status != 200) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mutex);
        addresses.insert(r.body["install_plan"]["address"].get<std::string>());
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(addresses.size() == kThreads * kEach);
}
