#include <httplib.h>
#include <pthread.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "agent/units/health_monitor.h"
#include "agent/units/health_probe.h"
#include "agent/units/health_tracker.h"
#include "tests/agent/units/test_locators.h"

using namespace photon::agent;

TEST_CASE("units health: rise and fall need consecutive results", "[units]") {
  HealthTracker t(2, 3);
  CHECK(t.state() == HealthState::kStarting);
  CHECK(t.record(true) == HealthState::kStarting);
  CHECK(t.record(false) == HealthState::kStarting);  // the pass streak is broken
  CHECK(t.record(true) == HealthState::kStarting);
  CHECK(t.record(true) == HealthState::kHealthy);
  CHECK(t.record(false) == HealthState::kHealthy);
  CHECK(t.record(false) == HealthState::kHealthy);
  CHECK(t.record(true) == HealthState::kHealthy);  // the fail streak is broken
  CHECK(t.record(false) == HealthState::kHealthy);
  CHECK(t.record(false) == HealthState::kHealthy);
  CHECK(t.record(false) == HealthState::kUnhealthy);
  CHECK(t.record(true) == HealthState::kUnhealthy);
  CHECK(t.record(true) == HealthState::kHealthy);
  t.reset();
  CHECK(t.state() == HealthState::kStarting);
}

TEST_CASE("units health: tcp, http and exec probes against real endpoints", "[units]") {
  auto probe = makeSystemHealthProbe(makeProcessRunner(), photon::test::selfLocator());
  httplib::Server server;
  server.set_tcp_nodelay(true);
  server.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  server.Get("/bad", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
  int port = server.bind_to_any_port("127.0.0.1");
  REQUIRE(port > 0);
  std::thread t([&] { server.listen_after_bind(); });
  struct Stop {
    httplib::Server& s;
    std::thread& t;
    ~Stop() {
      s.stop();
      t.join();
    }
  } stop{server, t};

  HealthCheckSpec h;
  h.timeout_ms = 1000;
  h.kind = HealthKind::kTcp;
  h.port = port;
  CHECK(probe->check(h));
  h.kind = HealthKind::kHttp;
  h.path = "/ok";
  CHECK(probe->check(h));
  h.path = "/bad";
  auto bad = probe->check(h);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("503") != std::string::npos);

  server.stop();
  t.join();
  t = std::thread([] {});
  h.kind = HealthKind::kTcp;
  auto closed = probe->check(h);
  REQUIRE_FALSE(closed);
  CHECK(closed.error().message.find("refused") != std::string::npos);

  h.kind = HealthKind::kExec;
  h.unit = "photon-test.service";
  h.exec = {"/bin/true"};
  CHECK(probe->check(h));
  h.exec = {"/bin/false"};
  CHECK_FALSE(probe->check(h));
  h.exec = {"/bin/sleep", "5"};
  h.timeout_ms = 100;
  auto start = std::chrono::steady_clock::now();
  auto late = probe->check(h);
  REQUIRE_FALSE(late);
  CHECK(late.error().message.find("timed out") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("units health: the monitor runs checks on their interval and reports unhealthy",
          "[units]") {
  HealthMonitor monitor(makeSystemHealthProbe(makeProcessRunner(), photon::test::selfLocator()));
  InstanceSpec good, bad;
  good.name = "good";
  good.revision = "1";
  good.health = {
      .kind = HealthKind::kExec, .exec = {"/bin/true"}, .interval_s = 1, .rise = 1, .fall = 1};
  good.health.unit = "photon-good.service";
  bad = good;
  bad.name = "bad";
  bad.health.unit = "photon-bad.service";
  bad.health.exec = {"/bin/false"};
  monitor.update({{good, UnitPhase::kUp}, {bad, UnitPhase::kUp}, {good, UnitPhase::kUp}});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline &&
         (monitor.report("bad")->state != HealthState::kUnhealthy || !monitor.healthy("good"))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(monitor.healthy("good"));
  CHECK(monitor.report("bad")->state == HealthState::kUnhealthy);
  CHECK(monitor.report("bad")->last_error.find("exit code 1") != std::string::npos);
  monitor.update({{good, UnitPhase::kStarting}});
  CHECK(monitor.report("good")->state == HealthState::kStarting);
  CHECK_FALSE(monitor.report("bad"));
}

TEST_CASE("units health: an exec check runs with an empty signal mask and says why it failed",
          "[units]") {
  auto probe = makeSystemHealthProbe(makeProcessRunner(), photon::test::selfLocator());
  // photon-agent blocks these for its signal thread (agent/main.cpp); a check that inherited
  // the mask would ignore systemd's SIGTERM.
  sigset_t agent_signals, previous;
  sigemptyset(&agent_signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&agent_signals, s);
  pthread_sigmask(SIG_BLOCK, &agent_signals, &previous);
  HealthCheckSpec h;
  h.kind = HealthKind::kExec;
  h.unit = "photon-test.service";
  h.timeout_ms = 5000;
  h.exec = {"/bin/grep", "-q", "^SigBlk:[[:space:]]*0*$", "/proc/self/status"};
  auto unmasked = probe->check(h);
  // The command's own words come back: the output's last line.
  h.exec = {"/bin/ls", "/nonexistent-photon-check"};
  auto failed = probe->check(h);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  CHECK(unmasked);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().message.find("exit code 2") != std::string::npos);
  CHECK(failed.error().message.find("No such file or directory") != std::string::npos);
}
