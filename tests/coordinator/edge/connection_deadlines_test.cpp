// The edge's connection deadlines without sockets: what a sweep expires, and when.
#include "coordinator/edge/connection_deadlines.h"

#include <catch2/catch.hpp>

using namespace photon::coordinator;
using namespace std::chrono_literals;
using Clock = ConnectionDeadline::Clock;

TEST_CASE("connection deadlines: a sweep expires only connections whose deadline passed",
          "[edge]") {
  ConnectionDeadlines registry;
  int expired_a = 0, expired_b = 0, expired_c = 0;
  auto [a_id, a] = registry.add({[&] { ++expired_a; }, [] {}});
  auto [b_id, b] = registry.add({[&] { ++expired_b; }, [] {}});
  auto [c_id, c] = registry.add({[&] { ++expired_c; }, [] {}});
  const auto now = Clock::now();
  a->armAt(now - 1ms);  // passed
  b->armAt(now + 10s);  // not yet
  // c is not armed: a handler or a held poll runs.
  CHECK(registry.sweep(now) == 1);
  CHECK(expired_a == 1);
  CHECK(expired_b == 0);
  CHECK(expired_c == 0);
  CHECK(a->timedOut());
  CHECK_FALSE(b->timedOut());
  // Claimed once: a second sweep does not expire it again.
  CHECK(registry.sweep(now + 1ms) == 0);
  CHECK(expired_a == 1);
  // b's time comes.
  CHECK(registry.sweep(now + 11s) == 1);
  CHECK(expired_b == 1);
  CHECK(expired_c == 0);
  CHECK(registry.size() == 3);
}

TEST_CASE("connection deadlines: a step that ends in time disarms its deadline", "[edge]") {
  ConnectionDeadlines registry;
  int expired = 0;
  auto [id, deadline] = registry.add({[&] { ++expired; }, [] {}});
  const auto now = Clock::now();
  deadline->armAt(now + 100ms);
  deadline->disarm();
  CHECK(registry.sweep(now + 1s) == 0);
  // Re-armed for the next step: only the new deadline counts.
  deadline->armAt(now + 2s);
  CHECK(registry.sweep(now + 1s) == 0);
  CHECK(registry.sweep(now + 3s) == 1);
  CHECK(expired == 1);
}

TEST_CASE("connection deadlines: removed connections are neither expired nor closed", "[edge]") {
  ConnectionDeadlines registry;
  int expired = 0, closed = 0;
  auto [gone_id, gone] = registry.add({[&] { ++expired; }, [&] { ++closed; }});
  auto [kept_id, kept] = registry.add({[&] { ++expired; }, [&] { ++closed; }});
  gone->armAt(Clock::now() - 1s);
  registry.remove(gone_id);
  CHECK(registry.size() == 1);
  CHECK(registry.sweep(Clock::now()) == 0);
  registry.closeAll();
  CHECK(closed == 1);
  CHECK(expired == 0);
}

TEST_CASE("connection deadlines: the sweep runs a quarter of the shortest limit, 10 ms to 1 s",
          "[edge]") {
  CHECK(ConnectionDeadlines::sweepInterval(800ms) == 200ms);
  CHECK(ConnectionDeadlines::sweepInterval(10'000ms) == 1000ms);
  CHECK(ConnectionDeadlines::sweepInterval(20ms) == 10ms);
}
