// An agent killed in the middle of an activation: a child process runs the reconciler and is
// SIGKILLed at a chosen step; a new reconciler on the same state dir must then finish or roll
// back that activation, never leave the node between generations.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "agent/nixos/journal.h"
#include "tests/agent/nixos/child_agent.h"

using photon::agent::makeNixosReconciler;
using photon::common::Json;
using photon::test::ChildAgent;
using photon::test::journalPhase;
using photon::test::NixWorld;
using photon::test::reconcileUntilSettled;
using photon::test::waitFor;

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
