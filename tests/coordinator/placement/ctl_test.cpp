// photonctl's placement commands, the real binary against a real coordinator.
#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/coordinator/placement/sim_cluster.h"
#include "tests/support/child_process.h"
#include "tests/support/photonctl_runner.h"

using namespace photon;
using common::Json;
using test::ChildProcess;
using test::CoordinatorFixture;
using test::SimCluster;

using Ctl = test::PhotonctlRunner;

TEST_CASE("photonctl: service put, services, allocations, drain --wait",
          "[placement][integration]") {
  CoordinatorFixture c;
  SimCluster sim(c);
  for (int i = 0; i < 3; ++i) sim.addNode(i, {{"rack", "r" + std::to_string(i)}});
  Ctl ctl{c};
  std::string out;

  auto file = ctl.dir.write("web.json", SimCluster::service(2).dump());
  REQUIRE(ctl.run({"service", "put", "web", file}, out) == 0);
  CHECK(out.find("service web stored at revision") != std::string::npos);
  sim.settle();

  REQUIRE(ctl.run({"services"}, out) == 0);
  CHECK(out.find("web") != std::string::npos);
  CHECK(out.find("PLACED") != std::string::npos);

  REQUIRE(ctl.run({"allocations", "web"}, out) == 0);
  auto placed = sim.placedPerNode("web");
  REQUIRE(placed.size() == 1);  // packed onto one node
  const std::string host = placed.begin()->first;
  CHECK(out.find(host) != std::string::npos);
  CHECK(out.find("web-0") != std::string::npos);
  CHECK(out.find("healthy") != std::string::npos);

  // drain --wait follows the drain while the agents report, and ends when the node is drained.
  ChildProcess drain(ctl.argv({"drain", host, "--wait", "30"}), ctl.dir.file("drain.log"));
  int code = -1;
  for (int i = 0; i < 200 && code == -1; ++i) {
    sim.reportAll();
    sim.round();
    code = drain.wait(std::chrono::milliseconds(100));
  }
  CHECK(code == 0);
  std::ifstream in(ctl.dir.file("drain.log"));
  std::stringstream log;
  log << in.rdbuf();
  CHECK(log.str().find(host + ": drain -> draining") != std::string::npos);
  CHECK(log.str().find("instance(s) left") != std::string::npos);
  CHECK(log.str().find(host + ": drained, 0 instance(s) left") != std::string::npos);
  CHECK_FALSE(sim.placedPerNode("web").contains(host));

  CHECK(ctl.run({"allocations", "nope"}, out) == 1);
  INFO(out);
  CHECK(out.starts_with("photonctl allocations: not found: "));
  CHECK(out.find("nope") != std::string::npos);
  CHECK(ctl.run({"drain", host, "--wait", "abc"}, out) == 2);
  CHECK(ctl.run({"service", "put", "web", ctl.dir.file("missing.json")}, out) == 1);
}

TEST_CASE("photonctl: nodes and allocations say how long a node is missing and when it fails over",
          "[placement][integration]") {
  // photonctl reads this machine's clock, the coordinator its own (driven by hand here): it
  // starts 60 s behind so that both agree at the end, when the nodes are looked at.
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // Set before the server starts: a coordinator's clock never counts anyone missing before its
  // own start (the liveness grace floor), so a clock set back afterwards would keep all alive.
  CoordinatorFixture c({},
                       [&c, now](coordinator::CoordinatorOptions&) { c.clock().set(now - 60); });
  // TTL 30 s, grace 20 s: a node's instances move once it has been silent for over 50 s.
  SimCluster sim(c, {{"placement", {{"failover_grace_s", 20}}}});
  for (int i = 0; i < 4; ++i) sim.addNode(i, {{"rack", "r" + std::to_string(i)}});
  REQUIRE(sim.putService("web", SimCluster::service(2, {{"spread", {{"label", "rack"}}}})).status ==
          201);
  sim.settle();
  auto placed = sim.placedPerNode("web");
  REQUIRE(placed.size() == 2);
  const std::string gone = placed.begin()->first;    // silent from now - 60: failed over
  const std::string going = placed.rbegin()->first;  // silent from now - 40: not yet
  for (int step = 0; step < 6; ++step) {
    c.clock().advance(10);
    for (const auto& n : sim.nodes()) {
      if (n.id != gone && (n.id != going || step < 2)) sim.report(n);
    }
    sim.round();
  }
  REQUIRE_FALSE(sim.placedPerNode("web").contains(gone));
  REQUIRE(sim.placedPerNode("web").contains(going));

  Ctl ctl{c};
  std::string out;
  REQUIRE(ctl.run({"nodes"}, out) == 0);
  INFO(out);
  // Give or take the seconds this test has run.
  CHECK(std::regex_search(out, std::regex(gone + " .*missing [0-9]+s, failover due")));
  CHECK(std::regex_search(out, std::regex(going + " .*missing [0-9]+s, fails over in [0-9]+s")));
  REQUIRE(ctl.run({"node", "show", going}, out) == 0);
  CHECK(std::regex_search(out, std::regex("liveness: +missing [0-9]+s, fails over in")));
  REQUIRE(ctl.run({"allocations", "web"}, out) == 0);
  CHECK(std::regex_search(
      out, std::regex("node .* \\(" + going + "\\): missing [0-9]+s, fails over in [0-9]+s\n")));
  CHECK(std::regex_search(
      out, std::regex("node .* \\(" + gone + "\\): missing [0-9]+s, failover due\n")));
}
