// The nixos reconciler against real Nix: a real store, profile and generations, a signed
// file:// binary cache, and toplevels whose switch-to-configuration records its calls.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/agent/nixos/child_agent.h"
#include "tests/agent/nixos/nix_world.h"
#include "tests/agent/nixos/scripted_switch_runner.h"

using photon::agent::makeNixosReconciler;
using photon::common::Json;
using photon::test::NixWorld;
using photon::test::reconcileUntilSettled;

TEST_CASE("nixos: a good generation is applied, a failing one rolled back and held",
          "[nixos][integration]") {
  NixWorld w;
  auto rec = makeNixosReconciler(w.options(), w.stateDir());

  auto first = reconcileUntilSettled(*rec, w.desired("good"));
  INFO(first.dump());
  CHECK(first["outcome"] == "applied");
  CHECK(first["system"] == w.path("good"));
  CHECK(first["generation"] == 1);
  CHECK(w.profileSystem() == w.path("good"));
  CHECK(w.currentSystem() == w.path("good"));
  CHECK(w.calls() == std::vector<std::string>{w.path("good") + " switch"});

  // Asking again changes nothing.
  auto again = rec->reconcile(w.desired("good"));
  CHECK(again["outcome"] == "applied");
  CHECK(w.calls().size() == 1);

  auto bad = w.desired("fail");
  bad["deployment"] = "d-1";
  auto failed = reconcileUntilSettled(*rec, bad);
  INFO(failed.dump());
  CHECK(failed["outcome"] == "rolled-back");
  CHECK(failed["system"] == w.path("fail"));
  CHECK(failed["deployment"] == "d-1");
  CHECK(failed["previous_system"] == w.path("good"));
  CHECK_THAT(failed["reason"].get<std::string>(),
             Catch::Contains("exit code 1") && Catch::Contains("activation script failed"));
  CHECK(failed["generation"] == 1);  // the profile is back on generation 1
  CHECK(w.profileSystem() == w.path("good"));
  CHECK(w.currentSystem() == w.path("good"));
  CHECK(w.calls() == std::vector<std::string>{w.path("good") + " switch",
                                              w.path("fail") + " switch",
                                              w.path("good") + " switch"});

  // Held: not retried while the desired system stays the same, also by a new agent.
  auto held = rec->reconcile(bad);
  CHECK(held["outcome"] == "rolled-back");
  rec.reset();
  auto restarted = makeNixosReconciler(w.options(), w.stateDir());
  CHECK(reconcileUntilSettled(*restarted, bad)["outcome"] == "rolled-back");
  CHECK(w.calls().size() == 3);

  // A new desired system is activated: generation 3 (2 was the failed one).
  auto next = reconcileUntilSettled(*restarted, w.desired("good2"));
  INFO(next.dump());
  CHECK(next["outcome"] == "applied");
  CHECK(next["generation"] == 3);
  CHECK(next["previous_system"] == w.path("good"));
  CHECK(w.currentSystem() == w.path("good2"));
}

TEST_CASE("nixos: a switch that hangs past the confirm deadline is killed and rolled back",
          "[nixos][integration]") {
  NixWorld w;
  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");

  auto start = std::chrono::steady_clock::now();
  auto out = reconcileUntilSettled(*rec, w.desired("hang", 2));
  auto took = std::chrono::steady_clock::now() - start;
  INFO(out.dump());
  CHECK(out["outcome"] == "rolled-back");
  CHECK_THAT(out["reason"].get<std::string>(), Catch::Contains("did not finish within"));
  CHECK(took >= std::chrono::seconds(2));
  CHECK(took < std::chrono::seconds(10));
  CHECK(w.profileSystem() == w.path("good"));
  CHECK(w.calls().back() == w.path("good") + " switch");
}

TEST_CASE("nixos: failing health checks roll back, passing ones confirm", "[nixos][integration]") {
  NixWorld w;
  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");

  SECTION("an exec check that exits 1") {
    auto d = w.desired("good2", 1);
    d["health"] = {{"exec", {{"/bin/sh", "-c", "echo db not ready; exit 1"}}}};
    auto out = reconcileUntilSettled(*rec, d);
    INFO(out.dump());
    CHECK(out["outcome"] == "rolled-back");
    CHECK_THAT(out["reason"].get<std::string>(),
               Catch::Contains("health check failed") && Catch::Contains("db not ready"));
    CHECK(w.profileSystem() == w.path("good"));
    CHECK(w.currentSystem() == w.path("good"));
  }
  SECTION("a tcp port nobody listens on") {
    // Bind a port and close it again: nobody listens there afterwards.
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(s);
    auto d = w.desired("good2", 1);
    d["health"] = {{"tcp", {"127.0.0.1:" + std::to_string(ntohs(a.sin_port))}}};
    auto out = reconcileUntilSettled(*rec, d);
    INFO(out.dump());
    CHECK(out["outcome"] == "rolled-back");
    CHECK_THAT(out["reason"].get<std::string>(), Catch::Contains("Connection refused"));
    CHECK(w.profileSystem() == w.path("good"));
  }
  SECTION("a unit, when there is no system bus to ask") {
    auto d = w.desired("good2", 1);
    d["health"] = {{"units", {"sshd.service"}}};
    auto out = reconcileUntilSettled(*rec, d);
    INFO(out.dump());
    // This machine has no systemd as PID 1: a unit that cannot be seen is not healthy.
    if (!std::filesystem::exists("/run/systemd/system")) {
      CHECK(out["outcome"] == "rolled-back");
      CHECK_THAT(out["reason"].get<std::string>(), Catch::Contains("unit sshd.service"));
    }
  }
  SECTION("checks that pass after a while confirm within the deadline") {
    // A listening socket for tcp, and an exec check that passes once a file exists.
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(s, 8) == 0);
    ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    auto d = w.desired("good2", 10);
    std::string ready = w.file("ready");
    d["health"] = {{"tcp", {"127.0.0.1:" + std::to_string(ntohs(a.sin_port))}},
                   {"exec", {{"/usr/bin/test", "-e", ready}}}};
    REQUIRE(rec->reconcile(d)["outcome"] == "activating");
    // Once switched, the gate keeps failing on the missing file until it appears.
    for (int i = 0; i < 1500 && w.currentSystem() != w.path("good2"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(rec->reconcile(d)["outcome"] == "activating");
    std::ofstream(ready) << "ok";
    auto out = reconcileUntilSettled(*rec, d);
    ::close(s);
    INFO(out.dump());
    CHECK(out["outcome"] == "applied");
    CHECK(out["timings"]["health_ms"].get<int64_t>() >= 400);
    CHECK(w.profileSystem() == w.path("good2"));
  }
}

TEST_CASE("nixos: an unsigned path is refused when signatures are required",
          "[nixos][integration]") {
  NixWorld w;
  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");

  auto out = reconcileUntilSettled(*rec, w.desired("unsigned"));
  INFO(out.dump());
  CHECK(out["outcome"] == "failed");
  CHECK_THAT(out["reason"].get<std::string>(),
             Catch::Contains("realise") && Catch::Contains("nothing was activated"));
  CHECK(out["generation"] == 1);
  CHECK(w.profileSystem() == w.path("good"));
  CHECK(w.calls().size() == 1);  // no switch-to-configuration ran

  // The same path with require_sigs false (a new deployment, so not held) is fetched.
  auto unsigned_ok = w.desired("unsigned");
  unsigned_ok["require_sigs"] = false;
  unsigned_ok["deployment"] = "trust-unsigned";
  auto applied = reconcileUntilSettled(*rec, unsigned_ok);
  INFO(applied.dump());
  CHECK(applied["outcome"] == "applied");
  CHECK(w.profileSystem() == w.path("unsigned"));
}

TEST_CASE("nixos: a rollback that fails too is reported as failed", "[nixos][integration]") {
  NixWorld w;
  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  std::ofstream(w.file("root/run/fail-all")) << "";
  auto out = reconcileUntilSettled(*rec, w.desired("good2"));
  INFO(out.dump());
  CHECK(out["outcome"] == "failed");
  CHECK_THAT(out["reason"].get<std::string>(), Catch::Contains("rollback"));
  // The profile went back even though the old generation's switch failed.
  CHECK(w.profileSystem() == w.path("good"));
}

TEST_CASE("nixos: boot mode sets the profile only and says a reboot is required",
          "[nixos][integration]") {
  NixWorld w;
  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  // The node booted "good" (kernel k1); good2 has kernel k2.
  std::filesystem::create_symlink(w.path("good"), w.file("root/run/booted-system"));
  auto same = rec->reconcile(w.desired("good"));
  CHECK(same["booted_system"] == w.path("good"));
  CHECK(same["reboot_required"] == false);

  auto d = w.desired("good2");
  d["mode"] = "boot";
  auto out = reconcileUntilSettled(*rec, d);
  INFO(out.dump());
  CHECK(out["outcome"] == "applied");
  CHECK(out["reboot_required"] == true);
  CHECK(out["current_system"] == w.path("good"));
  CHECK(w.profileSystem() == w.path("good2"));
  CHECK(w.calls().back() == w.path("good2") + " boot");
}

TEST_CASE("nixos: test mode switches without touching the profile", "[nixos][integration]") {
  NixWorld w;
  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  auto d = w.desired("good2");
  d["mode"] = "test";
  auto out = reconcileUntilSettled(*rec, d);
  INFO(out.dump());
  CHECK(out["outcome"] == "applied");
  CHECK(w.currentSystem() == w.path("good2"));
  CHECK(w.profileSystem() == w.path("good"));

  auto bad = w.desired("fail");
  bad["mode"] = "test";
  auto rolled = reconcileUntilSettled(*rec, bad);
  INFO(rolled.dump());
  CHECK(rolled["outcome"] == "rolled-back");
  CHECK(w.currentSystem() == w.path("good2"));
  CHECK(w.calls().back() == w.path("good2") + " test");
}

TEST_CASE(
    "nixos: with no systemd on the switch bus the domain fails naming the bus and activates "
    "nothing",
    "[nixos][integration]") {
  NixWorld w;
  auto options = w.options();
  // A node whose bus does not answer: the switch must not fall back to the agent's child,
  // which would run it inside the agent's sandbox.
  options.switch_bus = "unix:path=" + w.file("no-systemd.sock");
  auto rec = makeNixosReconciler(options, w.stateDir());
  auto out = reconcileUntilSettled(*rec, w.desired("good"));
  INFO(out.dump());
  CHECK(out["outcome"] == "failed");
  CHECK_THAT(out["reason"].get<std::string>(),
             Catch::Contains("no systemd answers on bus " + options.switch_bus) &&
                 Catch::Contains("nothing was activated"));
  CHECK(w.calls().empty());
  CHECK(w.profileSystem().empty());

  // The explicit in-process value is what a host without systemd runs with.
  options.switch_bus = photon::agent::kSwitchInProcess;
  auto in_process = makeNixosReconciler(options, w.stateDir());
  CHECK(reconcileUntilSettled(*in_process, w.desired("good"))["outcome"] == "applied");
}

TEST_CASE(
    "nixos: a desired system that asks to install the boot loader switches with "
    "NIXOS_INSTALL_BOOTLOADER=1 and one that does not without it",
    "[nixos][integration]") {
  NixWorld w;
  auto processes = photon::agent::makeProcessRunner();
  auto calls = std::make_shared<photon::test::SwitchCalls>();
  auto rec = makeNixosReconciler(w.options(), w.stateDir(), nullptr,
                                 std::make_unique<photon::test::ScriptedSwitchRunner>(
                                     calls, 0, photon::agent::makeChildSwitchRunner(*processes)));
  REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  auto desired = w.desired("good2");
  desired["install_bootloader"] = true;
  auto out = reconcileUntilSettled(*rec, desired);
  INFO(out.dump());
  CHECK(out["outcome"] == "applied");
  REQUIRE(calls->runs.size() == 2);
  CHECK(calls->runs[0].environment.empty());
  CHECK(calls->runs[1].environment == std::vector<std::string>{"NIXOS_INSTALL_BOOTLOADER=1"});
  // The child runner passes it through env(1), and the switch still ran.
  CHECK(w.calls().back() == w.path("good2") + " switch");
}

TEST_CASE(
    "nixos: agent shutdown kills an in-process switch child at once and the next agent rolls "
    "back",
    "[nixos][integration]") {
  NixWorld w;  // switch bus "none": switch-to-configuration is the agent's child
  {
    auto rec = makeNixosReconciler(w.options(), w.stateDir());
    REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  }
  auto desired = w.desired("slow", 60);
  auto shutdown_ms = photon::test::shutdownMsDuringSwitch(w, w.options(), desired, [&] {
    auto calls = w.calls();
    return !calls.empty() && calls.back() == w.path("slow") + " switch";
  });
  REQUIRE(shutdown_ms >= 0);
  // Not the switch's 60 s deadline: the child is killed, as it would die with the agent.
  CHECK(shutdown_ms < 3000);
  WARN("agent shutdown during an in-process switch took " << shutdown_ms << " ms");
  CHECK(photon::test::journalPhase(w) == "switching");
  // Killed, not left running: released now, it never makes the slow system current.
  std::ofstream(w.file("root/run/release")) << "go";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK(w.currentSystem() == w.path("good"));

  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  auto out = reconcileUntilSettled(*rec, desired);
  INFO(out.dump());
  CHECK(out["outcome"] == "rolled-back");
  CHECK_THAT(out["reason"].get<std::string>(),
             Catch::Contains("the agent stopped during switch-to-configuration"));
  CHECK(w.currentSystem() == w.path("good"));
}
