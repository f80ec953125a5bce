// The election on a real etcd: one of several leads, a resigned leader is replaced, and a
// leader that loses etcd or its lease stops leading by its own clock.
#include "coordinator/control/etcd_leadership.h"

#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/etcd_cluster.h"

using namespace photon;
using namespace photon::coordinator;
using Clock = std::chrono::steady_clock;

namespace {
std::shared_ptr<EtcdClient> clientFor(const test::EtcdCluster& etcd) {
  EtcdOptions options;
  options.endpoints = etcd.clientUrls();
  options.connect_timeout = std::chrono::milliseconds(300);
  options.request_timeout = std::chrono::milliseconds(600);
  auto c = EtcdClient::create(options);
  REQUIRE(c);
  return std::move(*c);
}

std::unique_ptr<EtcdLeadership> candidate(const test::EtcdCluster& etcd, const std::string& id) {
  ElectionOptions options;
  options.key = "/election-test/leader";
  options.id = id;
  options.ttl = std::chrono::seconds(2);
  auto l = std::make_unique<EtcdLeadership>(clientFor(etcd), options);
  l->start();
  return l;
}

// Waits (bounded) until exactly one of `candidates` leads; its index, or -1.
int waitForLeader(const std::vector<EtcdLeadership*>& candidates) {
  for (int i = 0; i < 200; ++i) {
    int leaders = 0, leader = -1;
    for (size_t c = 0; c < candidates.size(); ++c) {
      if (candidates[c]->isLeader()) {
        ++leaders;
        leader = static_cast<int>(c);
      }
    }
    if (leaders == 1) return leader;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}
}  // namespace

TEST_CASE("etcd leadership: one of three leads, all name it, a resigned leader is replaced",
          "[etcd][integration]") {
  test::EtcdCluster etcd(1);
  REQUIRE(etcd.ready());
  auto a = candidate(etcd, "a");
  auto b = candidate(etcd, "b");
  auto c = candidate(etcd, "c");
  std::vector<EtcdLeadership*> all = {a.get(), b.get(), c.get()};
  int leader = waitForLeader(all);
  REQUIRE(leader >= 0);
  std::string id = all[leader]->leaderId();
  CHECK(id == std::string(1, static_cast<char>('a' + leader)));
  // The followers learn the leader's id within a look or two.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  for (auto* l : all) CHECK(l->leaderId() == id);
  CHECK(all[leader]->changes() == 1);

  all[leader]->stop();  // resigns: the lease is revoked
  CHECK_FALSE(all[leader]->isLeader());
  CHECK(all[leader]->changes() == 2);
  std::vector<EtcdLeadership*> rest;
  for (size_t i = 0; i < all.size(); ++i) {
    if (static_cast<int>(i) != leader) rest.push_back(all[i]);
  }
  int next = waitForLeader(rest);
  REQUIRE(next >= 0);
  CHECK(rest[next]->leaderId() != id);
}

TEST_CASE("etcd leadership: a leader that loses etcd stops leading within the TTL by its clock",
          "[etcd][integration]") {
  test::EtcdCluster etcd(1);
  REQUIRE(etcd.ready());
  auto a = candidate(etcd, "a");
  REQUIRE(waitForLeader({a.get()}) == 0);
  // Its last keepalive was sent before the kill, so its lease cannot outlive kill + TTL.
  auto killed = Clock::now();
  etcd.killMember(0);
  std::this_thread::sleep_until(killed + std::chrono::seconds(2));
  CHECK_FALSE(a->isLeader());
  CHECK(a->leaderId().empty());
}

TEST_CASE("etcd leadership: a leader whose lease is revoked steps down at its next keepalive",
          "[etcd][integration]") {
  test::EtcdCluster etcd(1);
  REQUIRE(etcd.ready());
  auto a = candidate(etcd, "a");
  REQUIRE(waitForLeader({a.get()}) == 0);
  // Someone (an operator, a bug) revokes the lease under the leader.
  auto client = clientFor(etcd);
  auto key = client->call("/v3/kv/range",
                          etcd::Json{{"key", etcd::base64Encode("/election-test/leader")}});
  REQUIRE(key);
  REQUIRE(key->contains("kvs"));
  std::string lease = (*key)["kvs"][0].value("lease", std::string());
  REQUIRE_FALSE(lease.empty());
  REQUIRE(client->call("/v3/lease/revoke", etcd::Json{{"ID", lease}}));
  auto revoked = Clock::now();
  auto b = candidate(etcd, "b");
  // a steps down at its next keepalive (every TTL/3); b, looking every TTL/10, takes over.
  bool handed_over = false;
  for (int i = 0; i < 100 && !handed_over; ++i) {
    handed_over = !a->isLeader() && b->isLeader();
    if (!handed_over) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(handed_over);
  CHECK(Clock::now() - revoked < std::chrono::seconds(2));  // well before a's TTL ran out
  CHECK(a->changes() == 2);
  CHECK(b->leaderId() == "b");
}
