// BGP VIP benchmark against real BIRD in network namespaces (see tests/agent/bgp): a router
// namespace running BIRD as the upstream, a node namespace with BIRD driven by the bgp
// reconciler. Measures, from the router's control socket:
//   - a VIP's service turns healthy -> the router has the route
//   - the service turns unhealthy   -> the router no longer has it
//   - reconfiguring a node that announces 1,000 VIPs (one VIP added) and announcing 1,000 at once
// Usage: bgp_bench [rounds]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "agent/bgp/bgp_reconciler.h"
#include "agent/bgp/bird_commands.h"
#include "agent/bgp/bird_process.h"
#include "tests/agent/bgp/netns.h"
#include "tests/fakes/service_health.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::common::Json;
using photon::test::inNetns;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

void report(const char* what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))]; };
  std::printf("%-58s median %8.1f ms  p90 %8.1f ms  max %8.1f ms  (n=%zu)\n", what, at(0.5),
              at(0.9), v.back(), v.size());
}

// Routes in the router's tables, from `show route count`.
long routerRouteCount(BirdControl& router) {
  auto reply = router.command("show route count");
  if (!reply || reply->code != 14) {
    std::fprintf(stderr, "count: %d %s\n", reply ? reply->code : -1,
                 reply ? reply->message().c_str() : reply.error().message.c_str());
    return -1;
  }
  // "Total: 1001 of 1001 routes for 1001 networks in 2 tables"
  auto text = reply->message();
  if (text.starts_with("Total: ")) text = text.substr(7);
  return std::atol(text.c_str());
}

bool routerHas(BirdControl& router, const std::string& prefix) {
  auto routes = showRoutes(router, "for " + prefix);
  return routes && !routes->empty();
}

template <typename P>
Clock::duration until(P pred, Clock::time_point since, std::chrono::seconds limit) {
  while (!pred()) {
    // Thrown, not exit(): the namespaces and daemons are torn down by their guards.
    if (Clock::now() - since > limit) throw std::runtime_error("timed out");
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return Clock::now() - since;
}

Json section(int vips) {
  Json s = {{"asn", 65001},
            {"router_id", "10.77.0.2"},
            {"communities", {"65000:100"}},
            {"neighbors", {{{"address", "10.77.0.1"}, {"asn", 65000}, {"name", "up1"}}}},
            {"vips", {{{"address", "10.9.0.1/32"}, {"service", "probe"}}}}};
  for (int i = 0; i < vips; ++i) {
    s["vips"].push_back({{"address", "10.10." + std::to_string(i / 250) + "." +
                                         std::to_string(i % 250 + 1) + "/32"},
                         {"service", "bulk"}});
  }
  return s;
}

const char* kRouterConfig = R"(router id 10.77.0.1;
protocol device {}
protocol bgp node1 {
  local as 65000;
  neighbor 10.77.0.2 as 65001;
  connect delay time 1;
  ipv4 { import all; export none; };
}
)";

}  // namespace

int run(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 20;
  photon::test::TempDir dir;
  auto tag = std::to_string(::getpid());
  photon::test::Netns router_ns("photon-bgpb-" + tag + "-r");
  photon::test::Netns node_ns("photon-bgpb-" + tag + "-n");
  photon::test::PidFileGuard router_pid(dir.file("router.pid"));
  photon::test::PidFileGuard node_pid(dir.file("node.pid"));
  photon::test::makeVethPair(router_ns, "bgp-r", "10.77.0.1/30", node_ns, "bgp-n", "10.77.0.2/30");
  auto conf = dir.write("router.conf", kRouterConfig);
  auto started = inNetns(router_ns, [&] {
    return startBird(*photon::agent::makeProcessRunner(),
                     {"/usr/sbin/bird", conf, dir.file("router.sock"), dir.file("router.pid")});
  });
  if (!started) {
    std::fprintf(stderr, "bgp_bench: %s\n", started.error().message.c_str());
    return 1;
  }
  photon::test::SwitchableHealth health;
  BgpOptions options;
  options.socket_path = dir.file("node.sock");
  options.config_path = dir.file("node/bird.conf");
  options.pid_file = dir.file("node.pid");
  auto reconciler = makeBgpReconciler(options, health);
  auto reconcile = [&](const Json& s) {
    return inNetns(node_ns, [&] { return reconciler->reconcile(s); });
  };
  auto router_sock = BirdSocket::connect(dir.file("router.sock"), std::chrono::seconds(5));
  if (!router_sock) return 1;
  auto& router = **router_sock;

  // Session up first: the figures are for an established session.
  health.set("probe", true);
  reconcile(section(0));
  until([&] { return routerHas(router, "10.9.0.1/32"); }, Clock::now(), std::chrono::seconds(15));

  std::vector<double> up, down, up_call, down_call;
  for (int i = 0; i < rounds; ++i) {
    health.set("probe", false);
    auto t0 = Clock::now();
    reconcile(section(0));
    down_call.push_back(ms(Clock::now() - t0));
    down.push_back(
        ms(until([&] { return !routerHas(router, "10.9.0.1/32"); }, t0, std::chrono::seconds(10))));
    health.set("probe", true);
    t0 = Clock::now();
    reconcile(section(0));
    up_call.push_back(ms(Clock::now() - t0));
    up.push_back(
        ms(until([&] { return routerHas(router, "10.9.0.1/32"); }, t0, std::chrono::seconds(10))));
  }
  std::printf("--- one VIP, %d rounds (reconcile called right after the health change)\n", rounds);
  report("healthy -> route on the router", up);
  report("  of which the reconcile call", up_call);
  report("unhealthy -> route withdrawn on the router", down);
  report("  of which the reconcile call", down_call);

  // 1,000 VIPs at once, then reconfigures of a node holding them.
  health.set("bulk", true);
  auto t0 = Clock::now();
  auto bulk_out = reconcile(section(1000));
  if (bulk_out.contains("errors")) std::fprintf(stderr, "%s\n", bulk_out["errors"].dump().c_str());
  double bulk_call = ms(Clock::now() - t0);
  double bulk =
      ms(until([&] { return routerRouteCount(router) == 1001; }, t0, std::chrono::seconds(60)));
  std::printf("--- 1,000 VIPs\n");
  std::printf("%-58s %8.1f ms (reconcile call %.1f ms)\n",
              "announce 1,000 VIPs -> all 1,001 routes on the router", bulk, bulk_call);
  std::vector<double> change, change_call;
  for (int i = 0; i < std::max(3, rounds / 4); ++i) {
    health.set("probe", i % 2 == 1);
    long want = i % 2 == 1 ? 1001 : 1000;
    t0 = Clock::now();
    reconcile(section(1000));
    change_call.push_back(ms(Clock::now() - t0));
    change.push_back(
        ms(until([&] { return routerRouteCount(router) == want; }, t0, std::chrono::seconds(30))));
  }
  report("one VIP flips among 1,000 -> router updated", change);
  report("  of which the reconcile call (render, check, configure)", change_call);
  health.set("bulk", false);
  t0 = Clock::now();
  reconcile(section(1000));
  double gone =
      ms(until([&] { return routerRouteCount(router) <= 1; }, t0, std::chrono::seconds(60)));
  std::printf("%-58s %8.1f ms\n", "withdraw 1,000 VIPs -> gone from the router", gone);
  auto session = showProtocols(router);
  if (session) {
    for (auto& p : *session) {
      if (p.name == "node1")
        std::printf("router session: %s since %s\n", p.info.c_str(), p.since.c_str());
    }
  }
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bgp_bench: %s\n", e.what());
    return 1;
  }
}
