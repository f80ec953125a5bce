// BGP failover benchmark: a node's link cut (down inside its namespace) -> its routes gone from
// the router, against real BIRD on both sides (tests/agent/bgp/fabric_world.h: a router behind a
// bridge running the config `photonctl bgp router-config` generates, nodes driven by the bgp
// reconciler). One fabric per mode with rounds + 1 nodes; node 1 stays, the others are cut one
// by one, each from a random point of its keepalive cycle.
// Usage: bgp_failover_bench [rounds]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "tests/agent/bgp/fabric_world.h"

using photon::common::Json;
using photon::test::Fabric;
using namespace std::chrono_literals;

namespace {

void measure(const char* what, const Json& session, bool bfd, int rounds,
             std::chrono::milliseconds limit) {
  Fabric f(rounds + 1, session);
  if (!photon::test::eventually([&] { return f.converged(bfd); }, 30s)) {
    throw std::runtime_error(std::string(what) + ": the fabric did not converge");
  }
  auto live_since = f.sessions()["photon_node1"].second;
  std::vector<double> v;
  for (int i = 2; i <= rounds + 1; ++i) {
    // Cuts land anywhere in the keepalive cycle, not right after the last one.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::rand() % 1000));
    auto gone = f.cutAndWait(i, limit);
    if (!gone) throw std::runtime_error(std::string(what) + ": routes stayed past the limit");
    v.push_back(static_cast<double>(gone->count()));
  }
  if (f.sessions()["photon_node1"].second != live_since) {
    throw std::runtime_error(std::string(what) + ": the live node's session restarted");
  }
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))]; };
  std::printf("%-44s median %7.0f ms  p90 %7.0f ms  min %7.0f  max %7.0f ms  (n=%zu)\n", what,
              at(0.5), at(0.9), v.front(), v.back(), v.size());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  if (rounds < 1 || rounds > 50) {
    std::fprintf(stderr, "usage: bgp_failover_bench [rounds 1-50]\n");
    return 2;
  }
  std::srand(42);
  try {
    measure("BFD 100 ms x 3 (hold 30 s)",
            {{"bfd", {{"interval_ms", 100}, {"multiplier", 3}}}, {"hold_time", 30}}, true, rounds,
            5s);
    measure("BFD off, hold 3 s (keepalive 1 s)", {{"bfd", false}, {"hold_time", 3}}, false, rounds,
            10s);
    measure("BFD off, default hold 9 s (keepalive 3 s)", {{"bfd", false}}, false, rounds, 20s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bgp_failover_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
