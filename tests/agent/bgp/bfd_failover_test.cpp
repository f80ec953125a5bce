// A node that goes dark (its link down inside its namespace: a pulled cable or a power loss, as
// the router sees it) loses its routes on the router within BFD's detection time, or the hold
// time without BFD, and no other node's session is touched. Real BIRD on both sides; the router
// runs the config `photonctl bgp router-config` generates. Tagged [bgp][integration] (root).
#include <catch2/catch.hpp>

#include "tests/agent/bgp/fabric_world.h"
#include "tests/agent/bgp/session_since.h"

using photon::common::Json;
using photon::test::eventually;
using photon::test::Fabric;
using namespace std::chrono_literals;

TEST_CASE("bgp failover: with BFD at 100 ms x 3 a dead node's VIPs leave the router within 1 s",
          "[bgp][integration]") {
  // hold_time 30: the hold timer cannot be what removes the routes.
  Fabric f(3, {{"bfd", {{"interval_ms", 100}, {"multiplier", 3}}}, {"hold_time", 30}});
  REQUIRE(eventually([&] { return f.converged(true); }, 15s));
  auto before = f.sessions();

  auto gone = f.cutAndWait(3, 5s);
  REQUIRE(gone.has_value());
  WARN("link cut -> node3's routes gone at the router: " << gone->count() << " ms");
  CHECK(*gone < 1000ms);

  auto paths = f.routerPaths();
  CHECK(paths.count(Fabric::ownVip(3)) == 0);
  CHECK(paths[Fabric::kSharedVip] == std::set<std::string>{"photon_node1", "photon_node2"});
  CHECK(paths[Fabric::ownVip(1)] == std::set<std::string>{"photon_node1"});
  // A little later still: the live nodes' sessions never restarted.
  std::this_thread::sleep_for(1s);
  auto after = f.sessions();
  CHECK(after["photon_node3"].first != "Established");
  for (const char* live : {"photon_node1", "photon_node2"}) {
    INFO(live);
    CHECK(after[live].first == "Established");
    CHECK(photon::test::sameSession(after[live].second, before[live].second));
  }
}

TEST_CASE("bgp failover: without BFD a dead node's VIPs leave the router within the hold time",
          "[bgp][integration]") {
  Fabric f(2, {{"bfd", false}, {"hold_time", 3}});
  REQUIRE(eventually([&] { return f.converged(false); }, 15s));
  CHECK(f.routerConfig().find("protocol bfd") == std::string::npos);
  CHECK(f.bfdUp() == 0);
  auto before = f.sessions();

  auto gone = f.cutAndWait(2, 10s);
  REQUIRE(gone.has_value());
  WARN("link cut -> node2's routes gone at the router (hold 3 s, no BFD): " << gone->count()
                                                                            << " ms");
  // The hold timer, not a link event, removed them. BIRD starts it anew on every message, shortened
  // by a random quarter at most (RFC 4271 section 10: 2.25-3 s), and the last keepalive (every
  // 0.75-1 s) came at most 1 s before the cut: gone 1.25-3 s after it, plus the 5 ms poll and a
  // loaded machine's scheduling.
  CHECK(*gone >= 1200ms);
  CHECK(*gone <= 3300ms);
  auto after = f.sessions();
  CHECK(after["photon_node1"].first == before["photon_node1"].first);
  CHECK(photon::test::sameSession(after["photon_node1"].second, before["photon_node1"].second));
  CHECK(f.routerPaths()[Fabric::kSharedVip] == std::set<std::string>{"photon_node1"});
}

TEST_CASE("bgp failover: the router's generated import filter refuses an undeclared VIP",
          "[bgp][integration]") {
  // Node 1 announces 10.66.0.1, which no declaration gave it: it cannot hijack that address.
  Fabric f(2, Json::object(), "10.66.0.1/32");
  REQUIRE(eventually([&] { return f.converged(true); }, 15s));
  CHECK(f.nodeRoutes(1).count("10.66.0.1/32") == 1);  // node 1 does announce it
  auto paths = f.routerPaths();
  CHECK(paths.count("10.66.0.1/32") == 0);
  // ...over the same session that brought its declared VIPs.
  CHECK(paths[Fabric::ownVip(1)] == std::set<std::string>{"photon_node1"});
  CHECK(paths[Fabric::kSharedVip] == std::set<std::string>{"photon_node1", "photon_node2"});
  // With the defaults (no timers declared) the sessions run BFD: on for an external peer.
  CHECK(f.bfdUp() == 2);
}
