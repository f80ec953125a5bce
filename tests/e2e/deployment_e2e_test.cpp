// The issue's end-to-end: a real coordinator, three real `photon-agent run --domains nixos`
// processes (each with its own state dir, Nix store and profile), real system toplevels built
// by Nix and served from a signed file:// binary cache, and photonctl deploy as the operator
// runs it. A good generation goes everywhere; a bad one (its health check fails) stops, the
// agents roll back, and the coordinator returns the updated nodes to the good one.
#include <catch2/catch.hpp>

#include <filesystem>

#include "agent/core/node_credentials.h"
#include "tests/agent/agent_process.h"
#include "tests/agent/nixos/nix_world.h"
#include "tests/support/child_process.h"
#include "tests/support/simulated_fleet.h"

using namespace photon;
using namespace std::chrono_literals;
using common::Json;
using test::AgentProcess;
using test::ChildProcess;
using test::CoordinatorFixture;

namespace {
struct Agent {
  test::FleetNode node;
  std::string dir;
  std::unique_ptr<AgentProcess> process;

  // The system the agent's own profile points at now.
  std::string profileSystem() const {
    std::error_code ec;
    auto link = std::filesystem::read_symlink(dir + "/profiles/system", ec);
    if (ec) return {};
    auto target = std::filesystem::read_symlink(dir + "/profiles/" + link.string(), ec);
    return ec ? std::string() : target.string();
  }
};

Json observedSystem(CoordinatorFixture& c, const std::string& id) {
  auto r = c.admin("GET", "/api/v1/nodes/" + id + "/observed");
  return r.body["observed"]["domains"].value("system", Json());
}

std::string statusOf(const Json& d, const std::string& node, const char* key = "status") {
  for (const auto& n : d["nodes"]) {
    if (n["id"] == node) return n.value(key, "");
  }
  return "absent";
}
}  // namespace

TEST_CASE("deployment e2e: a good generation reaches every node, a bad one stops and reverts",
          "[deployments][nixos][e2e][integration]") {
  test::NixWorld world;  // builds the toplevels, signs them into file://cache
  Json source = world.desired("good");
  const std::string cache = source["substituters"][0];
  const std::string key = source["trusted_public_keys"][0];
  const std::string good = world.path("good"), bad = world.path("good2");

  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 3);
  test::TempDir t;
  std::vector<Agent> agents;
  for (size_t i = 0; i < fleet.size(); ++i) {
    Agent a{fleet[i], t.file("agent" + std::to_string(i)), nullptr};
    for (auto sub : {"state", "store", "profiles"}) {
      std::filesystem::create_directories(a.dir + "/" + sub);
    }
    REQUIRE(agent::saveCredentials(a.dir + "/state", {a.node.id, a.node.token}));
    a.process = std::make_unique<AgentProcess>(
        std::vector<std::string>{"run", "--coordinator", c.url(), "--state-dir", a.dir + "/state",
                                 "--domains", "nixos", "--poll-interval", "0.2", "--retry-max",
                                 "0.5", "--nixos-profile", a.dir + "/profiles/system",
                                 "--nixos-store", a.dir + "/store", "--nixos-root",
                                 world.file("root"), "--nixos-switch-bus", "none"},
        a.dir + "/agent.log");
    agents.push_back(std::move(a));
  }
  std::string token_file = t.write("admin-token", test::kAdminToken);
  auto photonctl = [&](std::vector<std::string> args, const std::string& log) {
    args.insert(args.begin(), {std::string(PHOTON_BUILD_DIR) + "/coordinator/photonctl",
                               "--coordinator", c.url(), "--token-file", token_file});
    ChildProcess ctl(args, log);
    return ctl.wait(120s);
  };
  auto agentLogs = [&] {
    std::string all;
    for (const auto& a : agents) all += a.node.id + ":\n" + a.process->log() + "\n";
    return all;
  };

  // 1. The good generation: every node applies it, photonctl exits 0.
  int code = photonctl({"deploy", good, "--pool", "web", "--max-parallel", "2", "--confirm-within",
                        "10", "--substituter", cache, "--trusted-key", key, "--poll-ms", "100"},
                       t.file("deploy-good.log"));
  std::string out = test::readText(t.file("deploy-good.log"));
  INFO(out);
  INFO(agentLogs());
  REQUIRE(code == 0);
  CHECK(out.find("d-1 running") != std::string::npos);  // plain progress lines (no TTY)
  CHECK(out.find("d-1: succeeded") != std::string::npos);
  Json first = c.admin("GET", "/api/v1/deployments/d-1").body;
  CHECK(first["progress"]["by_status"]["applied"] == 3);
  for (const auto& n : first["nodes"]) CHECK(n["timings"].contains("total_ms"));  // the agent's
  for (const auto& a : agents) {
    CHECK(a.profileSystem() == good);
    Json s = observedSystem(c, a.node.id);
    CHECK(s["outcome"] == "applied");
    CHECK(s["deployment"] == "d-1");
  }

  // 2. A generation whose health check never passes: the first wave rolls back on its own,
  // the rollout stops (the third node is never touched), and auto_revert gives the updated
  // nodes the good generation back. photonctl exits non-zero.
  code = photonctl({"deploy", bad, "--pool", "web", "--max-parallel", "2", "--confirm-within", "2",
                    "--substituter", cache, "--trusted-key", key, "--health",
                    R"({"exec": [["/bin/false"]]})", "--poll-ms", "100"},
                   t.file("deploy-bad.log"));
  out = test::readText(t.file("deploy-bad.log"));
  INFO(out);
  INFO(agentLogs());
  CHECK(code == 1);
  CHECK(out.find("d-2: failed") != std::string::npos);
  Json second = c.admin("GET", "/api/v1/deployments/d-2").body;
  CHECK(second["state"] == "failed");
  CHECK(second["reason"].get<std::string>().find("rolled-back") != std::string::npos);
  CHECK(second["progress"]["by_status"]["rolled-back"] == 2);
  CHECK(second["progress"]["by_status"]["not-started"] == 1);
  for (const auto& a : agents) {
    std::string status = statusOf(second, a.node.id);
    INFO(a.node.id << " " << status);
    CHECK(a.profileSystem() == good);  // rolled back by the agent, or never changed
    Json s = observedSystem(c, a.node.id);
    CHECK(s["system"] == good);
    if (status == "rolled-back") {
      CHECK(statusOf(second, a.node.id, "revert") == "reverted");
      CHECK(s["deployment"] == "d-2-revert");
      CHECK(s["outcome"] == "applied");
    } else {
      CHECK(status == "not-started");
      CHECK(s["deployment"] == "d-1");
    }
  }
  for (auto& a : agents) {
    a.process->signal(SIGTERM);
    CHECK(a.process->waitExit(10s).has_value());
  }
}
