#include <catch2/catch.hpp>

#include "agent/bootstrap/install_steps.h"
#include "agent/core/process_runner.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using agent::Argv;

TEST_CASE("install steps: words and quotes split without a shell", "[agent]") {
  auto argv = agent::splitStep("disko --mode disko  '/etc/my layout.nix' \"a b\"c $HOME");
  REQUIRE(argv);
  CHECK(*argv == Argv{"disko", "--mode", "disko", "/etc/my layout.nix", "a bc", "$HOME"});
  CHECK_FALSE(agent::splitStep("echo 'open"));
  CHECK_FALSE(agent::splitStep("   "));
}

TEST_CASE("install steps: a JSON config lists argument vectors", "[agent]") {
  auto steps = agent::stepsFromJson(common::Json::parse(
      R"({"steps": [["disko", "--mode", "disko", "{disk_layout}"], ["true"]]})"));
  REQUIRE(steps);
  REQUIRE(steps->size() == 2);
  CHECK((*steps)[0][3] == "{disk_layout}");
  auto bad = agent::stepsFromJson(common::Json::parse(R"({"steps": [["ok"], [1]]})"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "steps[1]");
  CHECK_FALSE(agent::stepsFromJson(common::Json::parse(R"({"steps": []})")));
  CHECK_FALSE(agent::stepsFromJson(common::Json::parse(R"([["true"]])")));
}

TEST_CASE("install steps: placeholders come from the plan, unknown or empty ones are errors",
          "[agent]") {
  common::InstallPlan plan;
  plan.node_id = "node-1";
  plan.hostname = "web-1";
  plan.address = "10.0.1.10";
  plan.prefix_length = 24;
  plan.disk_layout = "single-ssd";
  plan.system_profile = "/nix/store/abc-nixos-system";
  auto values = agent::placeholderValues(plan, "/var/lib/photon");

  auto step = agent::substitute({"install", "--system={system_profile}",
                                 "{address}/{prefix_length}", "{state_dir}/x", "{hostname}"},
                                values);
  REQUIRE(step);
  CHECK(*step == Argv{"install", "--system=/nix/store/abc-nixos-system", "10.0.1.10/24",
                      "/var/lib/photon/x", "web-1"});
  auto unknown = agent::substitute({"x", "{root_password}"}, values);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("root_password") != std::string::npos);
  auto empty = agent::substitute({"x", "{gateway}"}, values);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message.find("no value for {gateway}") != std::string::npos);
  // A lone brace is not a placeholder.
  auto brace = agent::substitute({"a{b", "}c"}, values);
  REQUIRE(brace);
  CHECK(*brace == Argv{"a{b", "}c"});

  auto defaults = agent::defaultInstallSteps();
  REQUIRE(defaults.size() == 4);
  CHECK(defaults[0][0] == "disko");
  CHECK(defaults[1].back() == "/mnt/etc/ssh/ssh_host_ed25519_key");
  CHECK(defaults[3] == Argv{"nixos-install", "--system", "{system_profile}", "--no-root-passwd"});
  // The host key's placeholder names the key the agent made in its state dir.
  auto key_step = agent::substitute(defaults[2], values);
  REQUIRE(key_step);
  CHECK((*key_step)[4] == values.at("state_dir") + "/ssh_host_ed25519_key.pub");
}

TEST_CASE("process runner for install steps: output, exit status, timeout, a missing program",
          "[agent]") {
  test::TempDir t;
  auto runner = agent::makeProcessRunner();
  auto ok = runner->run({"sh", "-c", "echo out; echo err >&2; read x; echo \"stdin:$x\""},
                        std::chrono::seconds(10));
  REQUIRE(ok);
  CHECK(ok->ok());
  CHECK(ok->output == "out\nerr\nstdin:\n");  // stdin is /dev/null

  auto failed = runner->run({"sh", "-c", "for i in $(seq 1 50); do echo line$i; done; exit 3"},
                            std::chrono::seconds(10));
  REQUIRE(failed);
  CHECK_FALSE(failed->ok());
  CHECK(failed->exit_code == 3);
  CHECK(failed->status() == "exit code 3");
  CHECK(failed->describe() == "exit code 3: line50");
  std::string tail = agent::outputTail(failed->output, 3);
  CHECK(tail == "line48\nline49\nline50");

  auto start = std::chrono::steady_clock::now();
  auto slow = runner->run({"sleep", "30"}, std::chrono::seconds(1));
  REQUIRE(slow);
  CHECK(slow->timed_out);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));

  auto missing = runner->run({"photon-no-such-program"}, std::chrono::seconds(1));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("not found") != std::string::npos);
  std::string script = t.write("not-executable", "#!/bin/sh\n");
  auto noexec = runner->run({script}, std::chrono::seconds(1));
  REQUIRE_FALSE(noexec);
  CHECK(noexec.error().message.find("execve") != std::string::npos);
}
