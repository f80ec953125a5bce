// An agent killed in the middle of an activation: a child process runs the reconciler and is
// SIGKILLed at a chosen step; a new reconciler on the same state dir must then finish or roll
// back that activation, never leave the node between generations.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "agent/nixos/journal.h"
#include "tests/agent/nixos/nix_world.h"

using photon::agent::makeNixosReconciler;
using photon::common::Json;
using photon::test::NixWorld;
using photon::test::reconcileUntilSettled;

namespace {

// A forked "agent" that reconciles `section` until it is killed.
class ChildAgent {
 public:
  ChildAgent(NixWorld& w, const Json& section) {
    pid_ = ::fork();
    if (pid_ == 0) {
      auto rec = makeNixosReconciler(w.options(), w.stateDir());
      for (int i = 0; i < 3000; ++i) {
        rec->reconcile(section);
        ::usleep(20'000);
      }
      ::_exit(0);
    }
  }
  ~ChildAgent() { kill(); }
  void kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }

 private:
  pid_t pid_ = -1;
};

template <typename Pred>
bool waitFor(Pred pred, std::chrono::seconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string journalPhase(NixWorld& w) {
  auto text = photon::test::readText(w.stateDir() + "/nixos-journal.json");
  auto json = Json::parse(text, nullptr, false);
  return json.is_object() ? json.value("phase", "") : "";
}

}  // namespace

TEST_CASE("nixos: an agent killed during switch-to-configuration rolls back on restart",
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
