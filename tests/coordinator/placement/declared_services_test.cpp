// The cluster declaration's services: `photonctl cluster apply` (the real binary) creates,
// rolls and deletes them; placement puts them on the nodes; the agents are simulated
// (sim_cluster.h: they report their desired units as the units domain does). A service made
// through the API stays the API's, and each side refuses to change the other's.
#include <catch2/catch.hpp>

#include "tests/coordinator/placement/sim_cluster.h"
#include "tests/support/photonctl_runner.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;
using test::SimCluster;
using test::SimNode;

namespace {
Json declaredService(const std::string& name, int replicas, const std::string& binary) {
  Json s = SimCluster::service(replicas);
  s["name"] = name;
  s["instance"]["exec"] = Json::array({binary});
  return s;
}

// The applied declaration with `services` as its services section.
Json declaration(CoordinatorFixture& c, const Json& services) {
  Json cluster = c.admin("GET", "/api/v1/cluster").body;
  cluster.erase("revision");
  cluster["services"] = services;
  return cluster;
}

// Every desired unit of `service` on every node: instance name -> its exec[0].
std::map<std::string, std::string> unitsOf(SimCluster& sim, const std::string& service) {
  std::map<std::string, std::string> out;
  for (const auto& n : sim.nodes()) {
    for (const auto& u : sim.units(n)) {
      if (u.value("service", "") == service) out[u["name"]] = u["exec"][0];
    }
  }
  return out;
}

Json serviceEntry(CoordinatorFixture& c, const std::string& name) {
  Json list = c.admin("GET", "/api/v1/services").body;
  for (const auto& s : list["services"]) {
    if (s["name"] == name) return s;
  }
  return nullptr;
}
}  // namespace

TEST_CASE(
    "declared services: cluster apply places them, rolls a change, stops a removed one, "
    "and leaves the API's alone",
    "[declaration][placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  for (int i = 0; i < 3; ++i) sim.addNode(i, {{"rack", "r" + std::to_string(i)}});
  test::PhotonctlRunner ctl{c};
  std::string out;

  // The API's service, made before the declaration names any.
  REQUIRE(sim.putService("cache", SimCluster::service(1)).status == 201);

  // Two declared services.
  auto file =
      ctl.dir.write("cluster.json", declaration(c, {declaredService("web", 2, "/bin/web"),
                                                    declaredService("jobs", 1, "/bin/jobs")})
                                        .dump());
  REQUIRE(ctl.run({"cluster", "apply", file}, out) == 0);
  INFO(out);
  CHECK(out.find("service web: created") != std::string::npos);
  CHECK(out.find("service jobs: created") != std::string::npos);
  sim.settle();
  CHECK(unitsOf(sim, "web") ==
        std::map<std::string, std::string>{{"web-0", "/bin/web"}, {"web-1", "/bin/web"}});
  CHECK(unitsOf(sim, "jobs") == std::map<std::string, std::string>{{"jobs-0", "/bin/jobs"}});
  CHECK(serviceEntry(c, "web")["status"]["healthy"] == 2);
  CHECK(serviceEntry(c, "jobs")["status"]["healthy"] == 1);

  // The owner shows in reads and in photonctl.
  CHECK(serviceEntry(c, "web")["owner"] == "declaration");
  CHECK(serviceEntry(c, "cache")["owner"] == "api");
  CHECK(c.admin("GET", "/api/v1/services/jobs").body["owner"] == "declaration");
  REQUIRE(ctl.run({"services"}, out) == 0);
  CHECK(out.find("OWNER") != std::string::npos);
  CHECK(out.find("declaration") != std::string::npos);
  REQUIRE(ctl.run({"service", "show", "web"}, out) == 0);
  CHECK(out.find("the cluster declaration") != std::string::npos);

  // The API may not change or delete the declaration's.
  auto put = sim.putService("web", SimCluster::service(5));
  CHECK(put.status == 409);
  CHECK(put.body.dump().find("cluster declaration") != std::string::npos);
  CHECK(c.admin("DELETE", "/api/v1/services/web").status == 409);

  // Applying the same declaration again changes nothing.
  REQUIRE(ctl.run({"cluster", "apply", file}, out) == 0);
  CHECK(out.find("service web:") == std::string::npos);

  // A change in the declaration rolls web (one at a time, each replacement healthy first);
  // jobs is untouched.
  std::string jobs_revision = serviceEntry(c, "jobs")["status"]["instance_revision"];
  std::string web_revision = serviceEntry(c, "web")["status"]["instance_revision"];
  ctl.dir.write("cluster.json", declaration(c, {declaredService("web", 2, "/bin/web2"),
                                                declaredService("jobs", 1, "/bin/jobs")})
                                    .dump());
  REQUIRE(ctl.run({"cluster", "apply", file}, out) == 0);
  CHECK(out.find("service web: updated") != std::string::npos);
  CHECK(out.find("service jobs:") == std::string::npos);
  CHECK(serviceEntry(c, "web")["status"]["instance_revision"] != web_revision);
  // Bounded: max_parallel 1 with min_healthy_s 10 on the fixture's clock.
  for (int i = 0; i < 40; ++i) {
    c.clock().advance(11);
    sim.settle(1);
    auto units = unitsOf(sim, "web");
    bool rolled = units.size() == 2;
    for (const auto& [name, exec] : units) rolled = rolled && exec == "/bin/web2";
    if (rolled) break;
  }
  auto web_units = unitsOf(sim, "web");
  CHECK(web_units.size() == 2);
  for (const auto& [name, exec] : web_units) CHECK(exec == "/bin/web2");
  CHECK(serviceEntry(c, "jobs")["status"]["instance_revision"] == jobs_revision);

  // Removing jobs from the declaration stops it; the API's cache survives every apply.
  ctl.dir.write("cluster.json",
                declaration(c, Json::array({declaredService("web", 2, "/bin/web2")})).dump());
  int code = ctl.run({"cluster", "apply", file}, out);
  INFO(out);
  REQUIRE(code == 0);
  CHECK(out.find("service jobs: deleted") != std::string::npos);
  sim.settle();
  CHECK(unitsOf(sim, "jobs").empty());
  CHECK(c.admin("GET", "/api/v1/services/jobs").status == 404);
  CHECK(serviceEntry(c, "cache")["owner"] == "api");
  CHECK(unitsOf(sim, "cache").size() == 1);
}

TEST_CASE("declared services: a bad or clashing service refuses the whole declaration",
          "[declaration][placement]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  sim.addNode(0, {});
  REQUIRE(sim.putService("cache", SimCluster::service(1)).status == 201);
  Json before = c.admin("GET", "/api/v1/cluster").body;
  before.erase("revision");

  // A name the API owns: 409 naming the entry, nothing stored (not even the declaration).
  auto clash = c.admin("PUT", "/api/v1/cluster",
                       declaration(c, {declaredService("web", 1, "/bin/web"),
                                       declaredService("cache", 1, "/bin/cache")}));
  CHECK(clash.status == 409);
  CHECK(clash.body["field"] == "services[1].name");
  CHECK(c.admin("GET", "/api/v1/services/web").status == 404);
  CHECK(c.admin("GET", "/api/v1/cluster").body.value("services", Json()).is_null());
  CHECK(c.admin("GET", "/api/v1/services/cache").body["spec"]["instance"]["exec"][0] !=
        "/bin/cache");

  // A spec the services API would refuse is refused here, its field under services[i].
  Json bad = declaredService("web", 1, "web");
  auto relative = c.admin("PUT", "/api/v1/cluster", declaration(c, Json::array({bad})));
  INFO(relative.body.dump());
  CHECK(relative.status == 400);
  CHECK(relative.body["field"] == "services[0].instance.exec[0]");
  bad = declaredService("web", 1, "/bin/web");
  bad.erase("resources");
  auto missing = c.admin("PUT", "/api/v1/cluster", declaration(c, Json::array({bad})));
  CHECK(missing.status == 400);
  CHECK(missing.body["field"] == "services[0].resources");
  auto twice = c.admin("PUT", "/api/v1/cluster",
                       declaration(c, {declaredService("web", 1, "/bin/web"),
                                       declaredService("web", 1, "/bin/web")}));
  CHECK(twice.status == 400);
  CHECK(twice.body["field"] == "services[1].name");
  Json after = c.admin("GET", "/api/v1/cluster").body;
  after.erase("revision");
  CHECK(after == before);
}
