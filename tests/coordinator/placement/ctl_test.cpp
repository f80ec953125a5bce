// photonctl's placement commands, the real binary against a real coordinator.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/coordinator/placement/sim_cluster.h"
#include "tests/support/child_process.h"

using namespace photon;
using test::ChildProcess;
using test::CoordinatorFixture;
using test::SimCluster;
using common::Json;

namespace {
struct Ctl {
  CoordinatorFixture& c;
  test::TempDir dir;
  int runs = 0;

  std::string token() { return dir.write("admin.token", std::string(test::kAdminToken) + "\n"); }

  std::vector<std::string> argv(const std::vector<std::string>& args) {
    std::vector<std::string> out = {PHOTON_BUILD_DIR "/coordinator/photonctl", "--coordinator",
                                    c.url(), "--token-file", token()};
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }

  // Runs to the end; returns the exit code and fills `output`.
  int run(const std::vector<std::string>& args, std::string& output) {
    auto log = dir.file("ctl-" + std::to_string(++runs) + ".log");
    ChildProcess p(argv(args), log);
    int code = p.wait(std::chrono::seconds(20));
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    output = text.str();
    return code;
  }
};
}  // namespace

TEST_CASE("photonctl: service put, services, allocations, drain --wait", "[placement][integration]") {
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
