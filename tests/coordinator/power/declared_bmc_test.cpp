// A BMC declared with its node (nodes.<name>.bmc in Nix) reaches the coordinator through the
// cluster declaration, and a declared machine can be switched on before it ever phones home.
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "coordinator/power/power_service.h"
#include "tests/coordinator/power/ipmi_sim.h"
#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using std::chrono::milliseconds;
using test::CoordinatorFixture;

namespace {

struct Evaluated {
  int exit_code;
  std::string out;  // the JSON on success
  std::string err;  // nix-instantiate's output on failure
};

// The lab example with nodes.core-1.bmc = `bmc` (a Nix expression), through cluster.nix, as
// the operator's `nix-instantiate --eval --strict --json` would evaluate it.
Evaluated labWithBmc(const std::string& bmc, const std::string& scratch) {
  const std::string nix = std::string(PHOTON_SOURCE_DIR) + "/nix";
  std::string decl = "let lab = import " + nix +
                     "/examples/lab.nix; in lab // { nodes = "
                     "lab.nodes // { core-1 = lab.nodes.core-1 // { bmc = " +
                     bmc + "; }; }; }";
  std::string expr = "import " + nix + "/lib/cluster.nix (" + decl + ")";
  // No build users, no sandbox, no binary cache to wait for (TESTBED.md); the dummy store, as
  // in tests/nix/nix_eval.h: an evaluation needs no store, and the real one wants root.
  ::setenv("NIX_CONFIG", "build-users-group =\nsandbox = false\nsubstituters =", 1);
  ::setenv("NIX_REMOTE", "dummy://", 1);
  std::string log = scratch + "/nix.log";
  test::ChildProcess p({"/usr/bin/nix-instantiate", "--eval", "--strict", "--json", "--expr", expr},
                       log);
  int code = p.wait(std::chrono::seconds(60));
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return code == 0 ? Evaluated{0, text.str(), ""} : Evaluated{code, "", text.str()};
}

}  // namespace

TEST_CASE("declared bmc: cluster.nix carries nodes.<name>.bmc, a password only as a file",
          "[power][declaration][nix]") {
  test::TempDir dir;
  auto ok = labWithBmc(R"({ driver = "ipmi"; address = "10.0.9.11"; username = "admin";
                            passwordFile = "/run/keys/bmc-core-1"; installer = "pxe"; })",
                       dir.path());
  INFO(ok.err);
  REQUIRE(ok.exit_code == 0);
  auto doc = Json::parse(ok.out);
  Json core1;
  for (const auto& n : doc["nodes"]) {
    if (n["name"] == "core-1") core1 = n;
  }
  REQUIRE(core1.contains("bmc"));
  CHECK(core1["bmc"]["password_file"] == "/run/keys/bmc-core-1");
  CHECK(core1["bmc"]["installer"] == "pxe");

  auto literal = labWithBmc(R"({ driver = "ipmi"; address = "10.0.9.11"; username = "admin";
                                 password = "hunter2"; })",
                            dir.path());
  CHECK(literal.exit_code != 0);
  CHECK(literal.err.find("photon cluster: nodes.core-1.bmc.password: is not accepted") !=
        std::string::npos);
  auto driver =
      labWithBmc(R"({ driver = "ssh"; address = "10.0.9.11"; username = "admin"; })", dir.path());
  CHECK(driver.err.find("nodes.core-1.bmc.driver: must be") != std::string::npos);
}

TEST_CASE("declared bmc: cluster apply makes a declared machine's BMC usable before it enrols",
          "[power][declaration][integration]") {
  CoordinatorFixture c;
  test::IpmiSim sim;
  test::TempDir dir;
  std::string pw = dir.write("bmc.pw", std::string(test::IpmiSim::kPassword) + "\n");
  ::chmod(pw.c_str(), 0600);
  auto eval = labWithBmc(R"({ driver = "ipmi"; address = "127.0.0.1"; port = )" +
                             std::to_string(sim.port()) +
                             R"(; username = "admin"; passwordFile = ")" + pw + R"("; })",
                         dir.path());
  INFO(eval.err);
  REQUIRE(eval.exit_code == 0);
  auto applied = c.admin("PUT", "/api/v1/cluster", Json::parse(eval.out));
  INFO(applied.body.dump());
  REQUIRE(applied.status == 200);

  auto bmc = c.admin("GET", "/api/v1/nodes/core-1/bmc");
  REQUIRE(bmc.status == 200);
  CHECK(bmc.body["source"] == "declaration");
  CHECK(bmc.body["password_set"] == true);
  CHECK(bmc.body.dump().find(test::IpmiSim::kPassword) == std::string::npos);

  coordinator::power::PowerOptions options;
  options.poll_interval = std::chrono::seconds(1);  // polls the declared BMC too
  coordinator::power::PowerService power(c.server().inventory(), c.server().store(), options);
  CHECK(power.targets()->size() == 1);
  auto r = c.admin("POST", "/api/v1/nodes/core-1/power", Json{{"action", "on"}});
  REQUIRE(r.status == 202);
  std::string op = r.body["operation"].get<std::string>();
  Json done;
  for (int i = 0; i < 100 && done.is_null(); ++i) {
    power.tick();
    std::this_thread::sleep_for(milliseconds(50));
    auto status = c.admin("GET", "/api/v1/nodes/core-1/power");
    for (const auto& h : status.body["history"]) {
      if (h["id"] == op) done = h;
    }
  }
  REQUIRE_FALSE(done.is_null());
  CHECK(done["result"] == "ok");
  CHECK(sim.power() == "1");
}

TEST_CASE("declared bmc: a bad BMC in an applied declaration is a 400 naming it",
          "[power][declaration]") {
  CoordinatorFixture c;
  Json cluster = CoordinatorFixture::sampleCluster();
  cluster["nodes"] = Json::array({Json{{"name", "n1"},
                                       {"bmc",
                                        {{"driver", "ipmi"},
                                         {"address", "10.0.0.5"},
                                         {"username", "admin"},
                                         {"password", "inline"}}}}});
  auto r = c.admin("PUT", "/api/v1/cluster", cluster);
  CHECK(r.status == 400);
  CHECK(r.body["field"] == "nodes[0].bmc.password");
}
