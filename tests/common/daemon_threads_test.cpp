// The daemon module's threads: the signal thread hands over each blocked signal and stops when
// destroyed; the watchdog pings only while its daemon is healthy and stops at once.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "common/daemon/signals.h"
#include "common/daemon/watchdog.h"

using namespace photon::common;
using namespace std::chrono_literals;

namespace {
template <typename Pred>
bool waitFor(Pred pred, std::chrono::milliseconds limit = 5s) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}
}  // namespace

TEST_CASE("daemon signals: a blocked signal reaches the signal thread, not a handler", "[common]") {
  std::atomic<int> seen{0};
  std::atomic<int> count{0};
  {
    BlockedSignals signals{SIGUSR1, SIGUSR2};
    SignalThread thread(signals, [&](int sig) {
      seen = sig;
      ++count;
    });
    // Process-directed, as from kill(1): every thread blocks it, so it stays pending until
    // the signal thread's sigwait takes it and no default action ends the test program.
    REQUIRE(::kill(::getpid(), SIGUSR2) == 0);
    REQUIRE(waitFor([&] { return count.load() == 1; }));
    CHECK(seen == SIGUSR2);
  }
  // Destroyed: its wake-up signal was taken by the thread, not handed over.
  CHECK(count == 1);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGUSR2);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

TEST_CASE("daemon signals: names for the log", "[common]") {
  CHECK(std::string(signalName(SIGTERM)) == "SIGTERM");
  CHECK(std::string(signalName(SIGHUP)) == "SIGHUP");
}

TEST_CASE("daemon watchdog: pings while healthy, none while stalled, stops when destroyed",
          "[common]") {
  std::atomic<bool> healthy{true};
  std::atomic<int> pings{0};
  {
    WatchdogThread watchdog(
        5ms, [&] { return healthy.load(); }, [&] { ++pings; });
    REQUIRE(waitFor([&] { return pings.load() >= 3; }));
    healthy = false;
    std::this_thread::sleep_for(20ms);  // a ping under way when the flag flipped lands here
    int stalled_at = pings.load();
    std::this_thread::sleep_for(50ms);
    CHECK(pings.load() == stalled_at);
    healthy = true;
    REQUIRE(waitFor([&] { return pings.load() > stalled_at; }));
  }
  int after = pings.load();
  std::this_thread::sleep_for(20ms);
  CHECK(pings.load() == after);
}

TEST_CASE("daemon watchdog: a long period does not hold up the daemon's exit", "[common]") {
  auto start = std::chrono::steady_clock::now();
  {
    WatchdogThread watchdog(
        std::chrono::hours(1), [] { return true; }, [] {});
  }
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}

TEST_CASE("daemon watchdog: none is started when systemd asks for no pings", "[common]") {
  ::unsetenv("WATCHDOG_USEC");
  auto notifier = makeSystemdNotifier();
  CHECK(startWatchdog(*notifier, [] { return true; }) == nullptr);
}
