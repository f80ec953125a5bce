// An agent killed in the middle of an activation, for the recovery tests: a forked child runs
// the nixos reconciler and is SIGKILLed at a step the test waits for.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/agent/nixos/nix_world.h"

namespace photon::test {

// A forked "agent" that reconciles `section` until it is killed (or ~60 s have passed).
class ChildAgent {
 public:
  ChildAgent(NixWorld& w, const common::Json& section) : ChildAgent(w, section, w.options()) {}
  ChildAgent(NixWorld& w, const common::Json& section, const agent::NixosOptions& options) {
    pid_ = ::fork();
    if (pid_ == 0) {
      auto rec = agent::makeNixosReconciler(options, w.stateDir());
      for (int i = 0; i < 3000; ++i) {
        rec->reconcile(section);
        ::usleep(20'000);
      }
      ::_exit(0);
    }
  }
  ~ChildAgent() { kill(); }
  ChildAgent(const ChildAgent&) = delete;
  ChildAgent& operator=(const ChildAgent&) = delete;
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

// Starts activating `desired` with a new agent, waits until `switching()` holds, then stops
// that agent: how long its shutdown took, in ms; -1 when it never got there.
template <typename Pred>
int64_t shutdownMsDuringSwitch(const NixWorld& w, const agent::NixosOptions& options,
                               const common::Json& desired, Pred switching) {
  auto rec = agent::makeNixosReconciler(options, w.stateDir());
  if (rec->reconcile(desired).value("outcome", "") != "activating" || !waitFor(switching))
    return -1;
  auto started = std::chrono::steady_clock::now();
  rec->shutdown();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               started)
      .count();
}

// The phase of the journal in the state dir ("" when there is none).
inline std::string journalPhase(const NixWorld& w) {
  auto json = common::Json::parse(readText(w.stateDir() + "/nixos-journal.json"), nullptr, false);
  return json.is_object() ? json.value("phase", "") : "";
}

}  // namespace photon::test
