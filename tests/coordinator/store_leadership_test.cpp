// Opening a store and electing a leader are apart: the store does not know about leadership,
// and the election for a store config is built beside it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include "coordinator/control/store_leadership.h"

using namespace photon::coordinator;

TEST_CASE("store leadership: the store's files include nothing above the store", "[etcd]") {
  // store sits below control, inventory and the domains: an include upwards is a layering
  // error (it was control/etcd_leadership.h in open_store.h).
  const std::regex upward(R"(#include "coordinator/(?!store/)[^"]+")");
  size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(PHOTON_SOURCE_DIR) + "/coordinator/store")) {
    std::ifstream in(entry.path());
    std::string line;
    ++files;
    while (std::getline(in, line)) {
      INFO(entry.path().string() << ": " << line);
      CHECK_FALSE(std::regex_search(line, upward));
    }
  }
  CHECK(files > 10);
}

TEST_CASE("store leadership: none for SQLite, for etcd, the leader key beside the store's keys",
          "[etcd]") {
  StoreConfig sqlite{.kind = "sqlite", .data_dir = "/var/lib/photon"};
  auto none = makeLeadership(sqlite);
  REQUIRE(none);
  CHECK(*none == nullptr);

  // Not started: nothing is sent to the (absent) etcd.
  StoreConfig etcd{
      .kind = "etcd", .etcd_endpoints = "http://127.0.0.1:1", .etcd_prefix = "/site-a"};
  auto election = makeLeadership(etcd);
  REQUIRE(election);
  CHECK(*election != nullptr);
  CHECK(etcdLeaderKey(etcd) == "/site-a/leader");
  CHECK(etcdStorePrefix(etcd) == "/site-a/kv/");

  etcd.lease_ttl_s = 1;
  auto refused = makeLeadership(etcd);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().field == "lease-ttl");
}
