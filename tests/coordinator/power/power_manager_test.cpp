// The power manager's promise: a BMC that never answers costs its own operation the deadline
// and nobody else anything. Real BMCs: ipmi_sim, and a bound UDP socket that never replies.
#include "coordinator/power/power_manager.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "tests/coordinator/power/ipmi_sim.h"

using namespace photon;
using namespace photon::coordinator::power;
using std::chrono::milliseconds;

namespace {

// Collects outcomes from the manager's workers.
struct Outcomes {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<PowerOutcome> list;
  std::map<std::string, std::chrono::steady_clock::time_point> finished;

  void add(const PowerOutcome& o) {
    std::lock_guard lock(mutex);
    list.push_back(o);
    finished[o.job.id] = std::chrono::steady_clock::now();
    cv.notify_all();
  }
  bool waitFor(size_t n, milliseconds timeout) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, timeout, [&] { return list.size() >= n; });
  }
  bool waitForId(const std::string& id, milliseconds timeout) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, timeout, [&] { return finished.contains(id); });
  }
  PowerOutcome of(const std::string& id) {
    std::lock_guard lock(mutex);
    for (const auto& o : list) {
      if (o.job.id == id) return o;
    }
    return {};
  }
};

PowerJob on(const std::string& target, const std::string& id) {
  return PowerJob{target, id, PowerJob::Kind::kPower, PowerAction::kOn, {}, "test"};
}

}  // namespace

TEST_CASE(
    "power manager: a dead BMC fails at its deadline while another node's operation "
    "in the same second completes on time",
    "[power][integration]") {
  test::IpmiSim sim;
  test::SilentBmc silent;
  std::map<std::string, BmcAccess> bmcs{
      {"live", sim.access()},
      {"dead", BmcAccess{"ipmi", "127.0.0.1", silent.port(), "admin", "pw"}}};
  Outcomes outcomes;
  PowerManagerOptions options;
  options.workers = 4;
  options.deadline = milliseconds(2000);
  options.attempts = 3;
  PowerManager manager(
      options, [&](const std::string& t) -> common::Result<BmcAccess> { return bmcs.at(t); },
      [&](const PowerOutcome& o) { outcomes.add(o); });

  // The live BMC alone first: what an operation costs with nothing else going on.
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(manager.submit(on("live", "alone")));
  REQUIRE(outcomes.waitFor(1, milliseconds(5000)));
  auto alone = std::chrono::duration_cast<milliseconds>(outcomes.finished["alone"] - t0);
  REQUIRE(outcomes.of("alone").ok);

  // Now the dead one first, the live one right behind it (same second).
  auto t1 = std::chrono::steady_clock::now();
  REQUIRE(manager.submit(on("dead", "dead-1")));
  REQUIRE(manager.submit(
      PowerJob{"live", "beside", PowerJob::Kind::kPower, PowerAction::kOff, {}, "test"}));
  REQUIRE(outcomes.waitFor(3, milliseconds(10000)));
  auto beside = std::chrono::duration_cast<milliseconds>(outcomes.finished["beside"] - t1);
  auto dead = std::chrono::duration_cast<milliseconds>(outcomes.finished["dead-1"] - t1);

  auto live = outcomes.of("beside");
  CHECK(live.ok);
  CHECK(live.state == PowerState::kOff);
  CHECK(sim.power() == "0");
  auto failed = outcomes.of("dead-1");
  CHECK_FALSE(failed.ok);
  CHECK(failed.error.find("timeout") != std::string::npos);
  CHECK(failed.error.find("deadline 2000 ms") != std::string::npos);
  CHECK(dead >= milliseconds(1900));
  CHECK(dead < milliseconds(3000));
  // Nothing measurable: the live operation beside the dead BMC takes what it takes alone.
  CHECK(beside < alone + milliseconds(500));
  CHECK(beside < milliseconds(1000));
  WARN("live BMC alone " << alone.count() << " ms, beside a dead BMC " << beside.count()
                         << " ms; the dead BMC failed after " << dead.count() << " ms ("
                         << failed.attempts << " attempts)");
}

TEST_CASE(
    "power manager: more dead BMCs at once than workers grow the pool, and a live BMC's "
    "operation still completes on time",
    "[power][integration]") {
  test::IpmiSim sim;
  test::SilentBmc silent;
  Outcomes outcomes;
  PowerManagerOptions options;
  options.workers = 2;
  options.max_workers = 8;
  options.deadline = milliseconds(2000);
  PowerManager manager(
      options,
      [&](const std::string& t) -> common::Result<BmcAccess> {
        if (t == "live") return sim.access();
        return BmcAccess{"ipmi", "127.0.0.1", silent.port(), "admin", "pw"};
      },
      [&](const PowerOutcome& o) { outcomes.add(o); });

  // A rack gone dark: four BMCs that never answer, each asked to power off, twice the workers.
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    REQUIRE(manager.submit(on("dead-" + std::to_string(i), "dead-" + std::to_string(i))));
  }
  REQUIRE(manager.submit(on("live", "live")));
  REQUIRE(outcomes.waitForId("live", milliseconds(5000)));
  auto live = std::chrono::duration_cast<milliseconds>(outcomes.finished["live"] - t0);
  CHECK(outcomes.of("live").ok);
  CHECK(sim.power() == "1");
  // Before the pool grew, the live operation waited for the dead ones' deadline (2 s).
  CHECK(live < milliseconds(1500));
  CHECK(manager.running() >= 4);  // the dead ones, each on a worker of its own
  REQUIRE(outcomes.waitFor(5, milliseconds(6000)));
  for (int i = 0; i < 4; ++i) CHECK_FALSE(outcomes.of("dead-" + std::to_string(i)).ok);
  WARN("live BMC beside 4 dead ones on a pool of 2 (grown): " << live.count() << " ms");
}

TEST_CASE("power manager: one call at a time per BMC, in the order asked", "[power][integration]") {
  test::IpmiSim sim;
  Outcomes outcomes;
  PowerManager manager(
      PowerManagerOptions{},
      [&](const std::string&) -> common::Result<BmcAccess> { return sim.access(); },
      [&](const PowerOutcome& o) { outcomes.add(o); });
  REQUIRE(manager.submit(on("n1", "1")));
  REQUIRE(manager.submit(PowerJob{"n1", "2", PowerJob::Kind::kPower, PowerAction::kOff, {}, "t"}));
  REQUIRE(manager.submit(on("n1", "3")));
  REQUIRE(outcomes.waitFor(3, milliseconds(10000)));
  std::lock_guard lock(outcomes.mutex);
  REQUIRE(outcomes.list.size() == 3);
  CHECK(outcomes.list[0].job.id == "1");
  CHECK(outcomes.list[1].job.id == "2");
  CHECK(outcomes.list[2].job.id == "3");
  CHECK(outcomes.list[1].state == PowerState::kOff);
  CHECK(outcomes.list[2].state == PowerState::kOn);
  CHECK(sim.power() == "1");
}

TEST_CASE("power manager: a refused password is not retried", "[power][integration]") {
  test::IpmiSim sim;
  auto access = sim.access();
  access.password = "wrong";
  Outcomes outcomes;
  PowerManager manager(
      PowerManagerOptions{},
      [&](const std::string&) -> common::Result<BmcAccess> { return access; },
      [&](const PowerOutcome& o) { outcomes.add(o); });
  REQUIRE(manager.submit(on("n1", "1")));
  REQUIRE(outcomes.waitFor(1, milliseconds(10000)));
  auto o = outcomes.of("1");
  CHECK_FALSE(o.ok);
  CHECK(o.attempts == 1);
  CHECK(o.error.find("password") != std::string::npos);
  CHECK(sim.power() == "0");
}

TEST_CASE(
    "power manager: an operation on a live BMC runs at once while twenty dead BMCs are polled",
    "[power][integration]") {
  test::IpmiSim sim;
  test::SilentBmc silent;
  Outcomes outcomes;
  std::chrono::steady_clock::time_point started{};
  PowerManagerOptions options;
  options.workers = 4;  // polls may hold 2
  options.deadline = milliseconds(1500);
  options.attempts = 1;
  PowerManager manager(
      options,
      [&](const std::string& t) -> common::Result<BmcAccess> {
        if (t == "live") return sim.access();
        return BmcAccess{"ipmi", "127.0.0.1", silent.port(), "admin", "pw"};
      },
      [&](const PowerOutcome& o) { outcomes.add(o); }, makeDriver,
      [&](const PowerJob& job) {
        if (job.id == "op") started = std::chrono::steady_clock::now();
        return true;
      });
  // Twenty dead BMCs polled at once: with every worker on them the operation below would wait
  // five rounds of 1.5 s deadlines.
  for (int i = 0; i < 20; ++i) {
    REQUIRE(manager.submit(
        PowerJob{"dead-" + std::to_string(i), "", PowerJob::Kind::kStatus, {}, {}, "poll"}));
  }
  std::this_thread::sleep_for(milliseconds(100));  // the polls have taken their workers
  CHECK(manager.running() == 2);
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(manager.submit(on("live", "op")));
  REQUIRE(outcomes.waitForId("op", milliseconds(5000)));
  auto took = std::chrono::duration_cast<milliseconds>(outcomes.finished["op"] - t0);
  CHECK(outcomes.of("op").ok);
  CHECK(sim.power() == "1");
  // It started at once: without the cap, four workers on dead polls would have held it for a
  // deadline at least. (What the BMC call then takes depends on the machine's load.)
  CHECK(started - t0 < milliseconds(300));
  CHECK(took < options.deadline);
  // Never more than two polls at a time: twenty take ten rounds of the deadline.
  REQUIRE(outcomes.waitFor(21, milliseconds(30000)));
  auto last_poll = std::chrono::steady_clock::now() - t0;
  CHECK(last_poll >= milliseconds(9 * 1500));
  WARN("operation beside 20 dead polls: "
       << took.count() << " ms, started after "
       << std::chrono::duration_cast<milliseconds>(started - t0).count() << " ms");
}

TEST_CASE("power manager: a job it may not start is dropped unrun and unreported",
          "[power][integration]") {
  test::IpmiSim sim;
  Outcomes outcomes;
  std::atomic<bool> leading{false};
  std::atomic<int> asked{0};
  PowerManager manager(
      PowerManagerOptions{},
      [&](const std::string&) -> common::Result<BmcAccess> { return sim.access(); },
      [&](const PowerOutcome& o) { outcomes.add(o); }, makeDriver,
      [&](const PowerJob&) {
        ++asked;
        return leading.load();
      });
  REQUIRE(manager.submit(on("n1", "dropped")));
  for (int i = 0; i < 50 && manager.busy("n1"); ++i) std::this_thread::sleep_for(milliseconds(20));
  CHECK_FALSE(manager.busy("n1"));
  CHECK(asked == 1);
  CHECK(sim.power() == "0");
  CHECK_FALSE(outcomes.waitFor(1, milliseconds(200)));
  leading = true;
  REQUIRE(manager.submit(on("n1", "ran")));
  REQUIRE(outcomes.waitFor(1, milliseconds(5000)));
  CHECK(outcomes.of("ran").ok);
  CHECK(sim.power() == "1");
}
