// Opening the coordinator's store (coordinator/store/open_store.h): an error that rises to
// main says which store failed, beside the store's own words.
#include "coordinator/store/open_store.h"

#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"

using namespace photon;
using namespace photon::coordinator;

TEST_CASE("open store: a SQLite directory that cannot be made names the store that failed",
          "[inventory]") {
  test::TempDir dir;
  const std::string file = dir.write("not-a-dir", "x");
  StoreConfig config{.kind = "sqlite", .data_dir = file + "/data"};
  auto opened = openStore(config);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().message.starts_with("SQLite store: create " + file + "/data"));
}

TEST_CASE("open store: an etcd that does not answer names the etcd store that failed",
          "[inventory][etcd]") {
  // Port 1 on loopback: refused at once, nothing listens there.
  StoreConfig config{.kind = "etcd", .etcd_endpoints = "http://127.0.0.1:1"};
  auto opened = openStore(config);
  REQUIRE_FALSE(opened);
  CHECK(opened.error().message.starts_with("etcd store under /photon/kv/: "));
}
