#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "agent/core/backoff.h"
#include "agent/core/node_credentials.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace std::chrono_literals;

TEST_CASE("backoff: doubles up to the cap, with jitter in the upper half", "[agent]") {
  agent::Backoff backoff(100ms, 1000ms, 42);
  std::vector<int64_t> caps = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t cap : caps) {
    auto d = backoff.next().count();
    CHECK(d >= cap / 2);
    CHECK(d <= cap);
  }
  backoff.reset();
  CHECK(backoff.next().count() <= 100);

  // Two agents with different seeds do not retry in lockstep.
  agent::Backoff a(1000ms, 60000ms, 1), b(1000ms, 60000ms, 2);
  bool differ = false;
  for (int i = 0; i < 5; ++i) differ |= a.next() != b.next();
  CHECK(differ);

  std::mt19937_64 random(7);
  for (int i = 0; i < 100; ++i) {
    auto d = agent::jittered(5000ms, 0.2, random).count();
    CHECK(d >= 4000);
    CHECK(d <= 6000);
  }
}

TEST_CASE("node credentials: saved 0600, read back, corrupt files ask for re-enrollment",
          "[agent]") {
  test::TempDir t;
  auto missing = agent::loadCredentials(t.path());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("re-run `photon-agent bootstrap`") != std::string::npos);

  std::string token(64, 'a');
  REQUIRE(agent::saveCredentials(t.path(), {"node-0123456789", token}));
  struct stat st {};
  REQUIRE(::stat(t.file("node-token").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = agent::loadCredentials(t.path());
  REQUIRE(loaded);
  CHECK(loaded->node_id == "node-0123456789");
  CHECK(loaded->token == token);

  t.write("node-token", std::string("\x01\x02garbage", 9));
  auto corrupt = agent::loadCredentials(t.path());
  REQUIRE_FALSE(corrupt);
  CHECK(corrupt.error().message.find("node-token is corrupt") != std::string::npos);
  CHECK(corrupt.error().message.find("re-enroll") != std::string::npos);

  t.write("node-token", token);
  t.write("node-id", "../../etc\n");
  auto bad_id = agent::loadCredentials(t.path());
  REQUIRE_FALSE(bad_id);
  CHECK(bad_id.error().message.find("node-id is corrupt") != std::string::npos);
  CHECK_FALSE(agent::saveCredentials(t.path(), {"Bad Id", token}));
}
