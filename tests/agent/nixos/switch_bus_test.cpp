// The switch bus (agent/nixos/switch_bus.h) against the in-memory systemd bus: a bus that does
// not answer when the agent starts is asked again each round, logged once when it stops
// answering and once when it answers, and used for the switch once it does.
#include <catch2/catch.hpp>

#include "agent/nixos/switch_bus.h"
#include "tests/fakes/systemd_bus.h"
#include "tests/support/stderr_capture.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::agent::test::FakeSystemdBus;
using namespace std::chrono_literals;

namespace {

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A systemd that answers once the test says so; every connection attempt is counted.
struct ScriptedSystemd {
  FakeSystemdBus::Shared shared;
  bool answers = false;
  int attempts = 0;

  SwitchBus::Connect connect() {
    return [this]() -> photon::common::Result<std::unique_ptr<SystemdBus>> {
      ++attempts;
      if (!answers) {
        return photon::common::fail(photon::common::ErrorCode::kUnavailable,
                                    "connect: No such file or directory");
      }
      return std::make_unique<FakeSystemdBus>(shared);
    };
  }
};

}  // namespace

TEST_CASE(
    "nixos switch bus: a bus that did not answer at start is asked again each round and "
    "used once it answers",
    "[nixos]") {
  ScriptedSystemd systemd;
  photon::test::TempDir dir;
  auto bus = std::make_shared<SwitchBus>("bus unix:path=/run/none.sock", systemd.connect());
  auto runner = makeReconnectingSwitchRunner(bus, dir.path());

  std::string log = photon::test::stderrOf([&] {
    auto first = bus->get();
    REQUIRE_FALSE(first);
    CHECK_THAT(first.error().message,
               Catch::Contains("no systemd answers on bus unix:path=/run/none.sock: connect: No "
                               "such file or directory") &&
                   Catch::Contains("nothing was activated"));
    CHECK_FALSE(bus->get());
    // A switch or an adoption meanwhile fails with the bus's error, and asks once more.
    auto adopted = runner->adopt("switch-1", 1s);
    REQUIRE_FALSE(adopted);
    CHECK_THAT(adopted.error().message, Catch::Contains("no systemd answers"));
    CHECK(systemd.attempts == 3);  // one attempt per call, never a loop

    systemd.answers = true;
    auto answered = runner->adopt("switch-1", 1s);
    REQUIRE(answered);
    CHECK_FALSE(answered->has_value());  // no such run on that systemd
    REQUIRE(bus->get());
    CHECK(systemd.attempts == 4);  // the connection is kept
  });
  // Logged once when it did not answer (not once a round) and once when it did.
  CHECK(count(log, "no systemd answers") == 1);
  CHECK(count(log, "systemd answers on bus unix:path=/run/none.sock now") == 1);

  // The switch runs as a unit over that bus: started there (the fake keeps it running, and an
  // agent stopping leaves it to the next agent).
  runner->abandon();
  auto run = runner->run("switch-2", {"/bin/true"}, 5s, {});
  REQUIRE_FALSE(run);
  CHECK_THAT(run.error().message, Catch::Contains("the agent is stopping"));
  CHECK(std::count(systemd.shared.calls.begin(), systemd.shared.calls.end(),
                   "start photon-switch-2.service") == 1);
}

TEST_CASE(
    "nixos switch bus: an agent that stops before the bus answers stops the runner made "
    "later",
    "[nixos]") {
  ScriptedSystemd systemd;
  photon::test::TempDir dir;
  auto runner = makeReconnectingSwitchRunner(
      std::make_shared<SwitchBus>("the system bus", systemd.connect()), dir.path());
  runner->abandon();
  systemd.answers = true;
  auto started = std::chrono::steady_clock::now();
  auto run = runner->run("switch-3", {"/bin/true"}, 30s, {});
  REQUIRE_FALSE(run);
  CHECK_THAT(run.error().message, Catch::Contains("the agent is stopping"));
  CHECK(std::chrono::steady_clock::now() - started < 5s);
}
