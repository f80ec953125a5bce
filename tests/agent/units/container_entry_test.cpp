// A container's leader is held by a pidfd while its exec health check is set up
// (agent/units/container_entry.h): a leader that exited between the lookup and the run, or a pid
// that now names a process that is no container's PID 1, is refused, and nothing is started.
// Needs root (CAP_SETPCAP, which the probe requires before it looks for a leader).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>

#include "agent/units/container_entry.h"
#include "agent/units/health_probe.h"
#include "tests/agent/units/test_locators.h"
#include "tests/support/child_process.h"

using namespace photon::agent;
using photon::test::ownCgroup;

namespace {

// Every program the probe starts goes through here, and is counted.
class CountingRunner final : public ProcessRunner {
 public:
  explicit CountingRunner(std::atomic<int>& started) : started_(started) {}
  photon::common::Result<ProcessResult> run(const std::vector<std::string>& argv,
                                            std::chrono::milliseconds timeout) override {
    ++started_;
    return inner_->run(argv, timeout);
  }
  photon::common::Result<ProcessResult> runInCgroup(const std::vector<std::string>& argv,
                                                    std::chrono::milliseconds timeout,
                                                    const Confinement& how) override {
    ++started_;
    return inner_->runInCgroup(argv, timeout, how);
  }

 private:
  std::atomic<int>& started_;
  std::unique_ptr<ProcessRunner> inner_ = makeProcessRunner();
};

// A locator whose container leader is whatever pid it is given: the lookup's answer, which the
// probe must not trust once time has passed.
class FixedLeader final : public UnitLocator {
 public:
  explicit FixedLeader(pid_t pid) : pid_(pid) {}
  photon::common::Result<UnitProcess> mainProcessOf(const std::string& unit) override {
    return photon::common::fail(photon::common::ErrorCode::kUnavailable, unit + ": none");
  }
  photon::common::Result<UnitProcess> leaderOf(const std::string&) override {
    return UnitProcess{pid_, ownCgroup()};
  }

 private:
  pid_t pid_;
};

pid_t exitedPid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

HealthCheckSpec boxCheck() {
  HealthCheckSpec h;
  h.kind = HealthKind::kExec;
  h.timeout_ms = 5000;
  h.unit = "photon-box.service";
  h.container = true;
  h.exec = {"/bin/true"};
  return h;
}

}  // namespace

TEST_CASE("container entry: a leader that exited between lookup and run is refused",
          "[units][sandbox][integration]") {
  REQUIRE(::geteuid() == 0);  // the probe refuses earlier without CAP_SETPCAP
  pid_t dead = exitedPid();
  REQUIRE(dead > 0);
  auto held = holdContainer({dead, ownCgroup()}, "");
  REQUIRE_FALSE(held);
  CHECK_THAT(held.error().message, Catch::Contains("container leader " + std::to_string(dead)));
  CHECK_THAT(held.error().message, Catch::Contains("is gone"));

  // Through the probe: the check fails saying so, and no program is started at all.
  std::atomic<int> started = 0;
  auto probe = makeSystemHealthProbe(std::make_unique<CountingRunner>(started),
                                     std::make_shared<FixedLeader>(dead));
  auto r = probe->check(boxCheck());
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("in photon-box.service"));
  CHECK_THAT(r.error().message, Catch::Contains("is gone"));
  CHECK(started == 0);
}

TEST_CASE("container entry: a pid that now names no container's PID 1 is refused",
          "[units][sandbox][integration]") {
  REQUIRE(::geteuid() == 0);
  // A live process of the host (as a recycled leader pid would be): not entered.
  photon::test::ChildProcess other({"/bin/sleep", "30"});
  std::atomic<int> started = 0;
  auto probe = makeSystemHealthProbe(std::make_unique<CountingRunner>(started),
                                     std::make_shared<FixedLeader>(other.pid()));
  auto r = probe->check(boxCheck());
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("no container's PID 1"));
  CHECK(started == 0);
}
