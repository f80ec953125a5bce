// An agent killed in the middle of an activation: a child process runs the reconciler and is
// SIGKILLed at a chosen step; a new reconciler on the same state dir must then finish or roll
// back that activation, never leave the node between generations.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "agent/nixos/journal.h"
#include "tests/agent/nixos/child_agent.h"
#include "tests/agent/nixos/scripted_switch_runner.h"

using photon::agent::makeNixosReconciler;
using photon::common::Json;
using photon::test::ChildAgent;
using photon::test::journalPhase;
using photon::test::NixWorld;
using photon::test::reconcileUntilSettled;
using photon::test::waitFor;

namespace {

using photon::test::ScriptedSwitchRunner;
using photon::test::SwitchCalls;

// The journal an agent killed while `name`'s switch ran leaves, with `good` (generation 1)
// before it.
photon::agent::Journal switchingJournal(NixWorld& w, const std::string& name, int64_t deadline_ms) {
  photon::agent::Journal j;
  j.id = 42;
  j.phase = photon::agent::Phase::kSwitching;
  j.spec = *photon::agent::parseSystemSpec(w.desired(name));
  j.previous = photon::agent::Generation{1, w.path("good")};
  j.previous_system = w.path("good");
  j.deadline_ms = deadline_ms;
  return j;
}

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE(
    "nixos: without systemd, an agent killed during switch-to-configuration rolls back on restart",
    "[nixos][integration]") {
  NixWorld w;
  {
    auto rec = makeNixosReconciler(w.options(), w.stateDir());
    REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  }
  auto desired = w.desired("hang", 60);
  {
    ChildAgent child(w, desired);
    REQUIRE(waitFor([&] {
      auto c = w.calls();
      return !c.empty() && c.back() == w.path("hang") + " switch";
    }));
    child.kill();
  }
  // Killed between generations: the profile already points at the new one.
  REQUIRE(journalPhase(w) == "switching");
  CHECK(w.profileSystem() == w.path("hang"));

  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  auto out = reconcileUntilSettled(*rec, desired);
  INFO(out.dump());
  CHECK(out["outcome"] == "rolled-back");
  CHECK_THAT(out["reason"].get<std::string>(), Catch::Contains("agent stopped during"));
  CHECK(w.profileSystem() == w.path("good"));
  CHECK(w.calls().back() == w.path("good") + " switch");
  CHECK_FALSE(std::filesystem::exists(w.stateDir() + "/nixos-journal.json"));
  // And the generation is not tried again.
  auto calls = w.calls().size();
  CHECK(reconcileUntilSettled(*rec, desired)["outcome"] == "rolled-back");
  CHECK(w.calls().size() == calls);
}

TEST_CASE("nixos: an agent killed during the health gate resumes the gate on restart",
          "[nixos][integration]") {
  NixWorld w;
  {
    auto rec = makeNixosReconciler(w.options(), w.stateDir());
    REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  }
  std::string ready = w.file("ready");
  auto desired = w.desired("good2", 30);
  desired["health"] = {{"exec", {{"/usr/bin/test", "-e", ready}}}};
  {
    ChildAgent child(w, desired);
    REQUIRE(waitFor([&] { return journalPhase(w) == "confirming"; }));
    child.kill();
  }
  CHECK(w.currentSystem() == w.path("good2"));
  std::ofstream(ready) << "ok";

  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  auto out = reconcileUntilSettled(*rec, desired);
  INFO(out.dump());
  CHECK(out["outcome"] == "applied");
  CHECK(w.profileSystem() == w.path("good2"));
  // switch-to-configuration ran once for good2: the restart only resumed the gate.
  CHECK(w.calls() ==
        std::vector<std::string>{w.path("good") + " switch", w.path("good2") + " switch"});
}

TEST_CASE("nixos: an agent killed during the health gate rolls back when the deadline passed",
          "[nixos][integration]") {
  NixWorld w;
  {
    auto rec = makeNixosReconciler(w.options(), w.stateDir());
    REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  }
  auto desired = w.desired("good2", 1);
  desired["health"] = {{"exec", {{"/bin/false"}}}};
  {
    ChildAgent child(w, desired);
    REQUIRE(waitFor([&] { return journalPhase(w) == "confirming"; }));
    child.kill();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past the deadline
  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  auto out = reconcileUntilSettled(*rec, desired);
  INFO(out.dump());
  CHECK(out["outcome"] == "rolled-back");
  CHECK(w.profileSystem() == w.path("good"));
  CHECK(w.currentSystem() == w.path("good"));
}

TEST_CASE("nixos: an agent killed while realising starts the activation again",
          "[nixos][integration]") {
  NixWorld w;
  {
    auto rec = makeNixosReconciler(w.options(), w.stateDir());
    REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  }
  // A journal as a kill during realise leaves it.
  photon::agent::NixosState state(w.stateDir());
  photon::agent::Journal j;
  j.id = 42;
  j.phase = photon::agent::Phase::kRealising;
  j.spec = *photon::agent::parseSystemSpec(w.desired("good2"));
  REQUIRE(state.saveJournal(j));

  auto rec = makeNixosReconciler(w.options(), w.stateDir());
  auto out = reconcileUntilSettled(*rec, w.desired("good2"));
  INFO(out.dump());
  CHECK(out["outcome"] == "applied");
  CHECK(w.profileSystem() == w.path("good2"));
}

TEST_CASE(
    "nixos: a switch unit that cannot be asked about after a restart is asked again, not rolled "
    "back",
    "[nixos][integration]") {
  NixWorld w;
  {
    // good, then good2 switched to: the node as the switch that the journal below is about
    // leaves it once it has succeeded.
    auto rec = makeNixosReconciler(w.options(), w.stateDir());
    REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
    REQUIRE(reconcileUntilSettled(*rec, w.desired("good2"))["outcome"] == "applied");
  }
  photon::agent::NixosState state(w.stateDir());
  REQUIRE(state.saveJournal(switchingJournal(w, "good2", wallMs() + 60'000)));

  auto calls = std::make_shared<SwitchCalls>();
  auto rec = makeNixosReconciler(w.options(), w.stateDir(), nullptr,
                                 std::make_unique<ScriptedSwitchRunner>(calls, 1));
  auto out = reconcileUntilSettled(*rec, w.desired("good2"));
  INFO(out.dump());
  // The first ask failed; the next reconcile asked again and took the switch's success.
  CHECK(calls->adopts == 2);
  CHECK(calls->runs.empty());  // no rollback
  CHECK(out["outcome"] == "applied");
  CHECK_FALSE(std::filesystem::exists(w.stateDir() + "/nixos-journal.json"));
}

TEST_CASE("nixos: a switch unit that cannot be asked about past its deadline is rolled back",
          "[nixos][integration]") {
  NixWorld w;
  {
    auto rec = makeNixosReconciler(w.options(), w.stateDir());
    REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  }
  photon::agent::NixosState state(w.stateDir());
  REQUIRE(state.saveJournal(switchingJournal(w, "good2", wallMs() - 1)));

  auto calls = std::make_shared<SwitchCalls>();
  auto rec = makeNixosReconciler(w.options(), w.stateDir(), nullptr,
                                 std::make_unique<ScriptedSwitchRunner>(calls, 1000));
  auto out = reconcileUntilSettled(*rec, w.desired("good2"));
  INFO(out.dump());
  CHECK(out["outcome"] == "rolled-back");
  CHECK_THAT(out["reason"].get<std::string>(), Catch::Contains("Connection reset by peer"));
  CHECK(calls->adopts == 1);
  REQUIRE(calls->runs.size() == 1);
  CHECK(calls->runs[0].name == "rollback-42");
  CHECK(w.profileSystem() == w.path("good"));
}
