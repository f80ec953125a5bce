// bootstrap mode end to end: the real photon-agent binary against a real coordinator, with
// install steps that are scripts this test writes in place of disko and nixos-install.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

#include "agent/core/node_credentials.h"
#include "tests/agent/agent_process.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using photon::test::AgentProcess;
using photon::test::CoordinatorFixture;
using photon::test::TempDir;
using namespace std::chrono_literals;

namespace {
// This machine (2 cores in CI) matches rule "any"; `auto_install` says whether the plan comes at
// once or only after the operator's `install` action.
common::Json clusterFor(bool auto_install) {
  common::Json cluster = CoordinatorFixture::sampleCluster();
  cluster["rules"] = common::Json::array({{{"name", "any"},
                                           {"priority", 5},
                                           {"match", {{"min_cores", 1}}},
                                           {"class", "compute"},
                                           {"pool", "web"},
                                           {"auto_install", auto_install}}});
  return cluster;
}

std::string script(const TempDir& t, const std::string& name, const std::string& body) {
  std::string path = t.write(name, "#!/bin/sh\n" + body);
  ::chmod(path.c_str(), 0755);
  return path;
}

std::vector<std::string> agentArgs(const CoordinatorFixture& c, const TempDir& t) {
  std::string token = t.write("bootstrap-token", std::string(test::kBootstrapToken) + "\n");
  std::filesystem::create_directories(t.file("state"));
  return {"bootstrap",
          "--coordinator",
          c.url(),
          "--bootstrap-token-file",
          token,
          "--state-dir",
          t.file("state"),
          "--plan-poll-interval",
          "0.2",
          "--retry-max",
          "0.5"};
}

common::Json nodeOf(CoordinatorFixture& c, const std::string& id) {
  return c.admin("GET", "/api/v1/nodes/" + id).body;
}

std::string stateOf(CoordinatorFixture& c, const std::string& id) {
  auto node = nodeOf(c, id);
  if (node.contains("node")) node = node["node"];
  return node.value("state", "");
}

std::string onlyNodeId(CoordinatorFixture& c) {
  auto list = c.admin("GET", "/api/v1/nodes").body;
  if (!list.contains("nodes") || list["nodes"].size() != 1) return "";
  return list["nodes"][0]["id"].get<std::string>();
}
}  // namespace

TEST_CASE("bootstrap: enroll, wait for the plan, install, node ends active", "[agent]") {
  CoordinatorFixture c;
  TempDir t;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", clusterFor(false)).status == 200);
  std::string record = t.file("steps.log");
  script(t, "partition", "echo \"partition $*\" >> " + record + "\necho partitioned\n");
  script(t, "install", "echo \"install $*\" >> " + record + "\n");
  auto args = agentArgs(c, t);
  for (const std::string& step :
       {t.file("partition") + " --layout {disk_layout} --host {hostname}",
        t.file("install") + " --system {system_profile} {address}/{prefix_length} {node_id}"}) {
    args.push_back("--install-step");
    args.push_back(step);
  }
  AgentProcess agent(args, t.file("agent.log"));

  // No plan while the node is only `ready`: the agent keeps asking.
  std::string id;
  REQUIRE(test::waitUntil([&] { return !(id = onlyNodeId(c)).empty(); }, 10s));
  std::this_thread::sleep_for(600ms);
  CHECK(stateOf(c, id) == "ready");
  CHECK(agent.running());
  CHECK_FALSE(std::filesystem::exists(record));

  REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/install").status == 200);
  auto code = agent.waitExit(20s);
  INFO(agent.log());
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(stateOf(c, id) == "active");

  std::ifstream in(record);
  std::string line1, line2;
  std::getline(in, line1);
  std::getline(in, line2);
  CHECK(line1 == "partition --layout single-ssd --host web-1");
  CHECK(line2 ==
        "install --system /nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-web "
        "10.0.1.10/24 " +
            id);

  auto observed = c.admin("GET", "/api/v1/nodes/" + id + "/observed").body;
  CHECK(observed["observed"]["install"]["phase"] == "installed");
  CHECK(observed["observed"]["facts_digest"].get<std::string>().size() == 64);

  // The credentials run mode will use: the node's current token, readable by root only.
  auto creds = agent::loadCredentials(t.file("state"));
  REQUIRE(creds);
  CHECK(creds->node_id == id);
  struct stat st {};
  REQUIRE(::stat(t.file("state/node-token").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto desired = c.as(creds->token, "GET", "/api/v1/nodes/" + id + "/desired");
  CHECK(desired.status == 200);
  CHECK(agent.log().find("no --reboot-command given") != std::string::npos);
}

TEST_CASE("bootstrap: a failing step is reported with its output, node install-failed", "[agent]") {
  CoordinatorFixture c;
  TempDir t;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", clusterFor(true)).status == 200);
  script(t, "fail",
         "for i in 1 2 3 4 5; do echo \"progress $i\"; done\n"
         "echo 'error: no disk matches the layout' >&2\nexit 3\n");
  std::string after = t.file("after-ran");
  script(t, "after", "touch " + after + "\n");
  t.write("steps.json",
          common::Json{{"steps", {{"true"}, {t.file("fail"), "{disk_layout}"}, {t.file("after")}}}}
              .dump());
  auto args = agentArgs(c, t);
  args.insert(args.end(), {"--install-config", t.file("steps.json")});
  AgentProcess agent(args, t.file("agent.log"));
  auto code = agent.waitExit(20s);
  INFO(agent.log());
  REQUIRE(code);
  CHECK(*code == 1);
  CHECK_FALSE(std::filesystem::exists(after));  // nothing runs after the failed step

  std::string id = onlyNodeId(c);
  auto node = nodeOf(c, id);
  if (node.contains("node")) node = node["node"];
  CHECK(node["state"] == "install-failed");
  std::string error = node.value("last_error", "");
  CHECK(error.find("install step 2/3") != std::string::npos);
  CHECK(error.find("exit code 3") != std::string::npos);
  CHECK(error.find("progress 5") != std::string::npos);
  CHECK(error.find("error: no disk matches the layout") != std::string::npos);
}

TEST_CASE("bootstrap: a reboot mid-install phones home as the same node and finishes", "[agent]") {
  CoordinatorFixture c;
  TempDir t;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", clusterFor(true)).status == 200);
  // The "power cut": the step kills the agent that runs it, mid-install.
  script(t, "crash", "kill -9 $PPID\nsleep 5\n");
  auto first_args = agentArgs(c, t);
  first_args.insert(first_args.end(),
                    {"--install-step", "true", "--install-step", t.file("crash")});
  std::string id;
  {
    AgentProcess first(first_args, t.file("agent1.log"));
    auto code = first.waitExit(20s);
    INFO(first.log());
    REQUIRE(code);
    CHECK(*code == 128 + SIGKILL);
    id = onlyNodeId(c);
    CHECK(stateOf(c, id) == "installing");
  }
  std::string done = t.file("done");
  script(t, "finish", "echo {node_id} > /dev/null\ntouch " + done + "\n");
  auto second_args = agentArgs(c, t);
  second_args.insert(second_args.end(), {"--install-step", t.file("finish")});
  AgentProcess second(second_args, t.file("agent2.log"));
  auto code = second.waitExit(20s);
  INFO(second.log());
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(std::filesystem::exists(done));
  CHECK(onlyNodeId(c) == id);  // recognised: still one node, the same one
  CHECK(stateOf(c, id) == "active");
}

TEST_CASE("bootstrap: an unreachable coordinator is retried with a line per failure", "[agent]") {
  TempDir t;
  std::string token = t.write("bootstrap-token", std::string(test::kBootstrapToken));
  // Port 1 on loopback: nothing listens, connections are refused at once.
  AgentProcess agent({"bootstrap", "--coordinator", "http://127.0.0.1:1", "--bootstrap-token-file",
                      token, "--state-dir", t.path(), "--retry-max", "0.2", "--max-attempts", "3"},
                     t.file("agent.log"));
  auto code = agent.waitExit(20s);
  std::string log = agent.log();
  INFO(log);
  REQUIRE(code);
  CHECK(*code == 1);
  size_t failures = 0;
  for (size_t at = log.find("phone home to"); at != std::string::npos;
       at = log.find("phone home to", at + 1)) {
    ++failures;
  }
  CHECK(failures == 2);  // two retried failures, the third gives up
  CHECK(log.find("gave up after 3 attempts") != std::string::npos);
}

TEST_CASE("bootstrap: a wrong bootstrap token stops at once", "[agent]") {
  CoordinatorFixture c;
  TempDir t;
  std::string token = t.write("bootstrap-token", "wrong-token-0123456789");
  AgentProcess agent({"bootstrap", "--coordinator", c.url(), "--bootstrap-token-file", token,
                      "--state-dir", t.path()},
                     t.file("agent.log"));
  auto code = agent.waitExit(10s);
  INFO(agent.log());
  REQUIRE(code);
  CHECK(*code == 78);
  CHECK(agent.log().find("401") != std::string::npos);
}

TEST_CASE("bootstrap: a state dir that does not exist yet is made, mode 0700", "[agent]") {
  CoordinatorFixture c;
  TempDir t;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", clusterFor(true)).status == 200);
  std::string token = t.write("bootstrap-token", std::string(test::kBootstrapToken) + "\n");
  std::string state = t.file("var/lib/photon");  // neither it nor its parent exists
  AgentProcess agent({"bootstrap", "--coordinator", c.url(), "--bootstrap-token-file", token,
                      "--state-dir", state, "--install-step", "true"},
                     t.file("agent.log"));
  auto code = agent.waitExit(20s);
  INFO(agent.log());
  REQUIRE(code);
  CHECK(*code == 0);
  struct stat st {};
  REQUIRE(::stat(state.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  auto creds = agent::loadCredentials(state);
  REQUIRE(creds);
  CHECK(creds->node_id == onlyNodeId(c));
  CHECK_FALSE(std::filesystem::exists(state + "/.write-test"));
}

TEST_CASE("bootstrap: an unusable state dir stops before phoning home", "[agent]") {
  CoordinatorFixture c;
  TempDir t;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", clusterFor(true)).status == 200);
  std::string token = t.write("bootstrap-token", std::string(test::kBootstrapToken) + "\n");
  std::string blocker = t.write("blocker", "a file, not a directory\n");
  // Root passes mode checks, so the unusable dirs are ones no one can make or write in: one
  // under a regular file, a file, and an existing directory of procfs. (The generator picks the
  // kind: its values are fixed at the first run, whose temp dir is gone by the next.)
  std::string kind = GENERATE(as<std::string>{}, "under a file", "a file", "procfs");
  std::string state, says;
  if (kind == "under a file") {
    state = blocker + "/state";
    says = "state dir: create " + blocker + "/state";
  } else if (kind == "a file") {
    state = blocker;
    says = "state dir: " + blocker + " is not a directory";
  } else {
    state = "/proc/self";
    says = "state dir: /proc/self is not writable";
  }
  AgentProcess agent({"bootstrap", "--coordinator", c.url(), "--bootstrap-token-file", token,
                      "--state-dir", state, "--install-step", "true"},
                     t.file("agent.log"));
  auto code = agent.waitExit(10s);
  std::string log = agent.log();
  INFO(kind << ": " << log);
  REQUIRE(code);
  CHECK(*code != 0);
  CHECK(log.find(says) != std::string::npos);
  // Nothing was sent: no node exists, so no token was issued that nobody holds.
  auto list = c.admin("GET", "/api/v1/nodes").body;
  CHECK(list["nodes"].empty());
}
