#include <catch2/catch.hpp>

#include "coordinator/edge/long_poll_waiters.h"

using namespace photon::coordinator;

TEST_CASE("long-poll waiters: a change wakes exactly the polls on its keys", "[edge]") {
  LongPollWaiters waiters;
  int a = 0, b = 0;
  waiters.add("/desired/a", "", [&] { ++a; });
  waiters.add("/desired/a", "", [&] { ++a; });
  waiters.add("/desired/b", "", [&] { ++b; });
  CHECK(waiters.size() == 3);
  CHECK(waiters.notify({"/desired/a", "/other"}) == 2);
  CHECK(a == 2);
  CHECK(b == 0);
  CHECK(waiters.size() == 1);
  // Woken polls are gone: a second change does not wake them again.
  CHECK(waiters.notify({"/desired/a"}) == 0);
  CHECK(waiters.notifyAll() == 1);
  CHECK(b == 1);
  CHECK(waiters.size() == 0);
}

TEST_CASE("long-poll waiters: one poll per holder, the newer releases the older", "[edge]") {
  LongPollWaiters waiters;
  int first = 0, second = 0, other = 0;
  waiters.add("/desired/n1", "n1", [&] { ++first; });
  waiters.add("/desired/n2", "n2", [&] { ++other; });
  auto id = waiters.add("/desired/n1", "n1", [&] { ++second; });
  CHECK(first == 1);
  CHECK(second == 0);
  CHECK(other == 0);
  CHECK(waiters.size() == 2);
  // A poll that ended on its own is removed and woken no more.
  waiters.remove(id);
  waiters.remove(id);  // twice is harmless
  CHECK(waiters.notify({"/desired/n1"}) == 0);
  CHECK(second == 0);
  // After the holder's poll was removed, its next one releases nothing.
  waiters.add("/desired/n1", "n1", [&] { ++second; });
  CHECK(first == 1);
  CHECK(waiters.notify({"/desired/n1"}) == 1);
  CHECK(second == 1);
}
