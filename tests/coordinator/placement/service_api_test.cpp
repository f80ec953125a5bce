#include <catch2/catch.hpp>

#include <set>

#include "tests/coordinator/placement/sim_cluster.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;
using test::SimCluster;

TEST_CASE("services: replicas spread over racks reach the nodes' desired units",
          "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  std::map<std::string, std::string> rack_of;
  for (int i = 0; i < 6; ++i) {
    std::string rack = "r" + std::to_string(i % 3);
    auto n = sim.addNode(i, {{"rack", rack}});
    rack_of[n.id] = rack;
  }
  auto put = sim.putService("web", SimCluster::service(3, {{"spread", {{"label", "rack"}}}}));
  REQUIRE(put.status == 201);
  CHECK(put.body["warnings"].empty());
  sim.round();

  auto allocs = sim.allocations("web");
  REQUIRE(allocs["allocations"].size() == 3);
  CHECK(allocs["unplaced"].empty());
  std::set<std::string> racks, names;
  for (const auto& a : allocs["allocations"]) {
    racks.insert(rack_of[a["node"]]);
    names.insert(a["name"]);
    CHECK(a["state"] == "placed");
    CHECK(a["hostname"].get<std::string>().starts_with("web-"));
  }
  CHECK(racks.size() == 3);
  CHECK(names.size() == 3);

  // Each hosting node's desired units carry the instance as the units domain reads it.
  int with_units = 0;
  for (const auto& n : sim.nodes()) {
    auto units = sim.units(n);
    if (units.empty()) continue;
    ++with_units;
    REQUIRE(units.size() == 1);
    CHECK(units[0]["service"] == "web");
    CHECK(names.contains(units[0]["name"]));
    CHECK(units[0]["exec"][0] == "/run/current-system/sw/bin/web");
    CHECK(units[0]["resources"]["cpu_millis"] == 1000);
    CHECK(units[0]["revision"] == put.body["instance_revision"]);
  }
  CHECK(with_units == 3);

  // Another round with nothing new writes nothing.
  std::vector<int64_t> revisions;
  for (const auto& n : sim.nodes()) revisions.push_back(sim.desired(n)["revision"]);
  sim.round();
  for (size_t i = 0; i < sim.nodes().size(); ++i) {
    CHECK(sim.desired(sim.nodes()[i])["revision"] == revisions[i]);
  }

  auto list = c.admin("GET", "/api/v1/services");
  REQUIRE(list.status == 200);
  REQUIRE(list.body["services"].size() == 1);
  CHECK(list.body["services"][0]["status"]["placed"] == 3);
  sim.reportAll();
  sim.round();
  auto shown = c.admin("GET", "/api/v1/services/web");
  REQUIRE(shown.status == 200);
  CHECK(shown.body["spec"]["replicas"] == 3);
  CHECK(shown.body["status"]["healthy"] == 3);
  auto client = common::HttpClient::create(c.url());
  REQUIRE(client);
  auto metrics = (*client)->request("GET", "/metrics", "");
  REQUIRE(metrics);
  CHECK(metrics->body.find("photon_placement_instances{service=\"web\",state=\"placed\"} 3\n") !=
        std::string::npos);
  CHECK(metrics->body.find("photon_placement_instances{service=\"web\",state=\"healthy\"} 3\n") !=
        std::string::npos);

  // Scale down to one: two instances stop (leave their nodes' desired units).
  REQUIRE(sim.putService("web", SimCluster::service(1, {{"spread", {{"label", "rack"}}}})).status ==
          200);
  sim.round();
  CHECK(sim.allocations("web")["allocations"].size() == 1);
  int hosting = 0;
  for (const auto& n : sim.nodes()) hosting += sim.units(n).empty() ? 0 : 1;
  CHECK(hosting == 1);

  // Deleted: every instance stops.
  CHECK(c.admin("DELETE", "/api/v1/services/web").status == 200);
  sim.round();
  for (const auto& n : sim.nodes()) CHECK(sim.units(n).empty());
  CHECK(c.admin("GET", "/api/v1/services/web").status == 404);
}

TEST_CASE("services: an unplaced slot says why", "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  sim.addNode(1, {{"rack", "r1"}}, 2);
  sim.addNode(2, {{"rack", "r2"}}, 2);

  SECTION("no node matches the selector") {
    auto put = sim.putService(
        "web", SimCluster::service(1, {{"selector", {{"labels", {{"tier", "gold"}}}}}}));
    REQUIRE(put.status == 201);
    REQUIRE(put.body["warnings"].size() == 1);
    CHECK(put.body["warnings"][0].get<std::string>().starts_with("selector.labels.tier"));
    sim.round();
    auto a = sim.allocations("web");
    CHECK(a["allocations"].empty());
    REQUIRE(a["unplaced"].size() == 1);
    CHECK(a["unplaced"][0]["reason"].get<std::string>().starts_with("no node matches"));
  }
  SECTION("no capacity") {
    REQUIRE(sim.putService("web", SimCluster::service(5)).status == 201);
    sim.round();
    auto a = sim.allocations("web");
    CHECK(a["allocations"].size() == 4);  // 2 cores each, 1000 millis per instance
    REQUIRE(a["unplaced"].size() == 1);
    CHECK(a["unplaced"][0]["slot"] == 4);
    CHECK(a["unplaced"][0]["reason"].get<std::string>().starts_with("no capacity"));
    // Room appears: the slot is placed on the next round.
    sim.addNode(3, {{"rack", "r3"}}, 2);
    sim.round();
    CHECK(sim.allocations("web")["allocations"].size() == 5);
    CHECK(sim.allocations("web")["unplaced"].empty());
  }
  SECTION("spread exhausted") {
    REQUIRE(sim.putService("web", SimCluster::service(3, {{"distinct_hosts", true}})).status ==
            201);
    sim.round();
    auto a = sim.allocations("web");
    CHECK(a["allocations"].size() == 2);
    REQUIRE(a["unplaced"].size() == 1);
    CHECK(a["unplaced"][0]["reason"].get<std::string>().starts_with("spread exhausted"));
  }
}

TEST_CASE("services: bad input is refused naming the field", "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  sim.addNode(1, {{"rack", "r1"}}, 4);
  auto refused = [&](const std::string& name, const Json& body, int status,
                     const std::string& field) {
    auto r = sim.putService(name, body);
    INFO(body.dump());
    CHECK(r.status == status);
    CHECK(r.body["field"] == field);
    CHECK_FALSE(r.body["error"].get<std::string>().empty());
  };
  auto with = [](Json patch) { return SimCluster::service(2, std::move(patch)); };
  refused("web", with({{"replicas", -1}}), 400, "replicas");
  refused("web", with({{"replicas", 10001}}), 400, "replicas");
  refused("web", with({{"replicas", "three"}}), 400, "replicas");
  refused("web", with({{"global", true}}), 400, "replicas");
  Json no_replicas = SimCluster::service(1);
  no_replicas.erase("replicas");
  refused("web", no_replicas, 400, "replicas");
  refused("web", with({{"selector", {{"class", "gpu"}}}}), 400, "selector.class");
  refused("web", with({{"selector", {{"pool", "nope"}}}}), 400, "selector.pool");
  refused("web", with({{"selector", {{"labels", {{"rack", "r 1"}}}}}}), 400,
          "selector.labels.rack");
  refused("web", with({{"selector", {{"zone", "a"}}}}), 400, "selector.zone");
  refused("web", with({{"resources", {{"cpu_millis", 5000}, {"memory_bytes", 1 << 30}}}}), 400,
          "resources.cpu_millis");
  refused("web", with({{"resources", {{"cpu_millis", 100}, {"memory_bytes", int64_t{1} << 40}}}}),
          400, "resources.memory_bytes");
  refused("web", with({{"resources", {{"cpu_millis", 0}, {"memory_bytes", 1 << 30}}}}), 400,
          "resources.cpu_millis");
  refused("web", with({{"spread", {{"label", "Not A Label"}}}}), 400, "spread.label");
  refused("web", with({{"update", {{"max_parallel", 0}}}}), 400, "update.max_parallel");
  refused("web", with({{"instance", {{"name", "x"}, {"exec", {"/bin/x"}}}}}), 400, "instance.name");
  refused("web", with({{"instance", {{"exec", {"bin/x"}}}}}), 400, "instance.exec[0]");
  refused("web", with({{"instance", Json::object()}}), 400, "instance.exec");
  refused("web", with({{"colour", "blue"}}), 400, "colour");
  Json no_instance = SimCluster::service(1);
  no_instance.erase("instance");
  refused("web", no_instance, 400, "instance");
  refused("Web", SimCluster::service(1), 400, "name");
  refused(std::string(49, 'a'), SimCluster::service(1), 400, "name");

  auto malformed = c.as(test::kAdminToken, "PUT", "/api/v1/services/web", "{not json");
  CHECK(malformed.status == 400);
  CHECK(malformed.body["field"] == "body");
  CHECK(c.as("", "PUT", "/api/v1/services/web", SimCluster::service(1).dump()).status == 401);
  CHECK(c.admin("GET", "/api/v1/services/nope").status == 404);
  CHECK(c.admin("GET", "/api/v1/services/nope/allocations").status == 404);
  CHECK(c.admin("DELETE", "/api/v1/services/nope").status == 404);
  CHECK(c.admin("GET", "/api/v1/services").body["services"].empty());
}

TEST_CASE("services: VMs placed on a node hold their memory against services",
          "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  auto host = sim.addNode(1, {{"rack", "r1"}}, 8, /*virtualization=*/true);
  // 16 GiB node; a 13 GiB VM leaves room for three 1 GiB instances of the four asked.
  Json vm = {{"memory_mib", 13 * 1024},
             {"cpus", 1},
             {"kernel", "/var/lib/photon/images/vmlinuz"},
             {"disks", {{{"id", "root"}, {"image", "root.qcow2"}, {"size_gib", 1}}}}};
  REQUIRE(c.admin("PUT", "/api/v1/vms/big", vm).status / 100 == 2);
  REQUIRE(sim.putService(
                 "web",
                 SimCluster::service(
                     4, {{"resources", {{"cpu_millis", 100}, {"memory_bytes", int64_t{1} << 30}}}}))
              .status == 201);
  sim.round();
  auto a = sim.allocations("web");
  CHECK(a["allocations"].size() == 3);
  REQUIRE(a["unplaced"].size() == 1);
  CHECK(a["unplaced"][0]["reason"].get<std::string>().starts_with("no capacity"));
  CHECK(sim.desired(host)["vms"].size() == 1);  // the VM's section is left as the VM API wrote it
}

TEST_CASE("services: a global service runs once on every matching node, new ones included",
          "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  auto a = sim.addNode(1, {{"rack", "r1"}, {"tier", "gold"}});
  auto b = sim.addNode(2, {{"rack", "r2"}, {"tier", "gold"}});
  auto plain = sim.addNode(3, {{"rack", "r3"}});
  Json spec = SimCluster::service(1, {{"selector", {{"labels", {{"tier", "gold"}}}}}});
  spec.erase("replicas");
  spec["global"] = true;
  REQUIRE(sim.putService("agentd", spec).status == 201);
  sim.settle(1);
  auto per_node = sim.placedPerNode("agentd");
  CHECK(per_node == std::map<std::string, int>{{a.id, 1}, {b.id, 1}});
  CHECK(sim.units(plain).empty());

  auto late = sim.addNode(4, {{"rack", "r4"}, {"tier", "gold"}});
  sim.settle(1);
  CHECK(sim.placedPerNode("agentd").contains(late.id));

  // Draining: the node's instance stops at once (there is nowhere else for it to go).
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + a.id + "/actions/drain").status == 200);
  sim.settle(1);
  CHECK_FALSE(sim.placedPerNode("agentd").contains(a.id));
  CHECK(sim.units(a).empty());
  CHECK(sim.placedPerNode("agentd").size() == 2);
}
