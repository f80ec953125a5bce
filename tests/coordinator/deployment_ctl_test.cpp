// photonctl deploy against a real coordinator with simulated agents: on a terminal (a pty) it
// draws a progress bar, and its exit code says how the deployment ended.
#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include "tests/support/simulated_fleet.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

namespace {
struct CtlRun {
  int exit_code = -1;
  std::string output;
};

// Runs photonctl on a pseudo-terminal (so that isatty(1) holds), reading all it writes, for at
// most 60 s; killed by its PID past that.
CtlRun photonctlOnTty(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {std::string(PHOTON_BUILD_DIR) + "/coordinator/photonctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  REQUIRE(pid > 0);
  CtlRun run;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{master, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = read(master, buf, sizeof buf);
    if (n <= 0) break;  // EIO once the child has exited and closed the terminal
    run.output.append(buf, static_cast<size_t>(n));
  }
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  close(master);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::vector<std::string> deployArgs(CoordinatorFixture& c, const std::string& token_file,
                                    const std::string& system) {
  return {"--coordinator", c.url(), "--token-file",   token_file, "deploy",           system,
          "--pool",        "web",   "--max-parallel", "1",        "--confirm-within", "30",
          "--poll-ms",     "50"};
}
}  // namespace

TEST_CASE(
    "photonctl deploy: a progress bar on a terminal, exit 0 when every node applied, "
    "1 after a cancel",
    "[deployments][integration]") {
  CoordinatorFixture c;
  auto fleet = test::activeFleet(c, 2);
  test::TempDir t;
  std::string token_file = t.write("admin-token", test::kAdminToken);

  // Simulated agents answer whatever deployment they are given, until told to stop. (Plain
  // HTTP calls here: Catch's assertions are not for other threads.)
  std::atomic<bool> answering{true}, stop{false};
  std::thread agents([&] {
    std::map<std::string, std::string> answered;  // node -> the deployment it answered
    for (int round = 0; round < 3000 && !stop; ++round) {
      for (const auto& node : fleet) {
        if (!answering) break;
        auto client = common::HttpClient::create(c.url());
        if (!client) continue;
        (*client)->setToken(node.token);
        auto desired = (*client)->request("GET", "/api/v1/nodes/" + node.id + "/desired", "");
        if (!desired || desired->status != 200) continue;
        Json s = Json::parse(desired->body, nullptr, false).value("system", Json());
        if (!s.is_object() || answered[node.id] == s.value("deployment", "")) continue;
        Json report = {
            {"outcome", "applied"}, {"system", s["system"]}, {"deployment", s["deployment"]}};
        auto put = (*client)->request("PUT", "/api/v1/nodes/" + node.id + "/observed",
                                      Json{{"domains", {{"system", report}}}}.dump());
        if (put && put->status == 200) answered[node.id] = s.value("deployment", "");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  auto ok = photonctlOnTty(deployArgs(c, token_file, test::storePath("nixos-system-v1")));
  INFO(ok.output);
  CHECK(ok.exit_code == 0);
  CHECK(ok.output.find("\r\033[K") != std::string::npos);  // redrawn in place
  CHECK(ok.output.find("[##############################] 2/2") != std::string::npos);
  CHECK(ok.output.find("d-1: succeeded") != std::string::npos);

  // Nobody answers now; the operator cancels from elsewhere while photonctl follows.
  answering = false;
  std::thread canceller([&] {
    auto client = common::HttpClient::create(c.url());
    if (!client) return;
    (*client)->setToken(test::kAdminToken);
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto r = (*client)->request("POST", "/api/v1/deployments/d-2/cancel", "");
      if (r && r->status == 200) return;
    }
  });
  auto cancelled = photonctlOnTty(deployArgs(c, token_file, test::storePath("nixos-system-v2")));
  canceller.join();
  stop = true;
  agents.join();
  INFO(cancelled.output);
  CHECK(cancelled.exit_code == 1);
  CHECK(cancelled.output.find("d-2: cancelled") != std::string::npos);

  // A refused deployment: the coordinator's error, exit 1.
  auto refused = photonctlOnTty({"--coordinator", c.url(), "--token-file", token_file, "deploy",
                                 "/nix/store/bad", "--pool", "web"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.output.find("system") != std::string::npos);
  // A usage error: exit 2.
  CHECK(photonctlOnTty({"deploy", "--pool", "web"}).exit_code == 2);
}
