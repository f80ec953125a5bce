// The bgp domain against real BIRD: a "router" namespace runs BIRD as the upstream, a "node"
// namespace runs the BIRD our reconciler drives, joined by a veth pair. Everything is asserted
// from the router's side over its control socket.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "agent/bgp/bgp_reconciler.h"
#include "agent/bgp/bird_commands.h"
#include "agent/bgp/bird_config.h"
#include "agent/bgp/bird_process.h"
#include "agent/core/state_file.h"
#include "tests/agent/bgp/netns.h"
#include "tests/agent/bgp/session_since.h"
#include "tests/fakes/service_health.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::common::Json;
using photon::test::inNetns;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kCommandTimeout = std::chrono::milliseconds(3000);

const char* kRouterConfig = R"(router id 10.77.0.1;
timeformat protocol iso long ms;
timeformat route iso long ms;
protocol device {}
protocol bgp node1 {
  local as 65000;
  neighbor 10.77.0.2 as 65001;
  connect delay time 1;
  # After a failed session (the undo test) accept the node again at once, not after BIRD's
  # default 60 s error wait.
  error wait time 1, 2;
  ipv4 { import all; export none; };
}
)";

// Polls until `pred` holds or `limit` passes; returns how long it took, or nothing.
template <typename P>
std::optional<std::chrono::milliseconds> waitFor(P pred, std::chrono::milliseconds limit) {
  auto start = Clock::now();
  while (true) {
    if (pred()) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    }
    if (Clock::now() - start > limit) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

struct World {
  photon::test::TempDir dir;
  std::string tag = std::to_string(::getpid());
  photon::test::Netns router{"photon-bgp-" + tag + "-r"};
  photon::test::Netns node{"photon-bgp-" + tag + "-n"};
  photon::test::PidFileGuard router_bird{dir.file("router.pid")};
  photon::test::PidFileGuard node_bird{dir.file("node.pid")};
  photon::test::SwitchableHealth health;
  BgpOptions options;
  std::unique_ptr<Reconciler> reconciler;

  World() {
    photon::test::makeVethPair(router, "bgp-r", "10.77.0.1/30", node, "bgp-n", "10.77.0.2/30");
    auto conf = dir.write("router.conf", kRouterConfig);
    auto started = inNetns(router, [&] {
      return startBird(*photon::agent::makeProcessRunner(),
                       {"/usr/sbin/bird", conf, dir.file("router.sock"), dir.file("router.pid")});
    });
    if (!started) throw std::runtime_error(started.error().message);
    options.socket_path = dir.file("node.sock");
    options.config_path = dir.file("node/bird.conf");
    options.pid_file = dir.file("node.pid");
    options.command_timeout = kCommandTimeout;
    options.confirm_wait = std::chrono::milliseconds(3000);
    reconciler = makeBgpReconciler(options, health);
  }

  // Every reconciler call runs in the node namespace: that is where it starts BIRD and where
  // its netlink socket lives.
  Json reconcile(const Json& section) {
    return inNetns(node, [&] { return reconciler->reconcile(section); });
  }
  void shutdown() {
    inNetns(node, [&] { reconciler->shutdown(); });
  }

  std::unique_ptr<BirdSocket> connect(const std::string& sock) {
    auto s = BirdSocket::connect(dir.file(sock), kCommandTimeout);
    REQUIRE(s.has_value());
    return std::move(*s);
  }
  std::map<std::string, BirdRoute> routerRoutes() {
    auto routes = showRoutes(*connect("router.sock"));
    REQUIRE(routes.has_value());
    std::map<std::string, BirdRoute> out;
    for (auto& r : *routes) out[r.prefix] = r;
    return out;
  }
  std::set<std::string> routerPrefixes() {
    std::set<std::string> out;
    for (auto& [prefix, r] : routerRoutes()) out.insert(prefix);
    return out;
  }
  BirdProtocol session(const std::string& sock, const std::string& name) {
    auto protocols = showProtocols(*connect(sock));
    REQUIRE(protocols.has_value());
    for (auto& p : *protocols) {
      if (p.name == name) return p;
    }
    FAIL("no protocol " << name);
    return {};
  }
  std::set<std::string> linkAddresses() {
    auto addrs = inNetns(node, [&] {
      auto nl = makeLibnlNetlink();
      return nl ? (*nl)->listAddresses("photon0") : std::unexpected(nl.error());
    });
    REQUIRE(addrs.has_value());
    std::set<std::string> out;
    for (auto& a : *addrs) {
      if (!a.starts_with("fe80:")) out.insert(a);
    }
    return out;
  }
};

Json section(std::vector<std::pair<std::string, std::string>> vips, bool withdraw_all = false) {
  Json s = {{"asn", 65001},
            {"router_id", "10.77.0.2"},
            {"communities", {"65000:100"}},
            {"neighbors", {{{"address", "10.77.0.1"}, {"asn", 65000}, {"name", "up1"}}}},
            {"withdraw_all", withdraw_all},
            {"vips", Json::array()}};
  for (auto& [address, service] : vips) {
    Json v = {{"address", address}, {"service", service}};
    if (service == "web") v["communities"] = {"65000:200"};
    s["vips"].push_back(v);
  }
  return s;
}

using Prefixes = std::set<std::string>;

}  // namespace

TEST_CASE("bgp: healthy VIPs reach the router, others are withdrawn, sessions never restart",
          "[bgp][integration]") {
  World w;
  w.health.set("web", true);
  w.health.set("db", false);

  auto out = w.reconcile(section({{"10.9.0.1/32", "web"}, {"10.9.0.2/32", "db"}}));
  INFO(out.dump());
  CHECK(out["announced"] == Json{"10.9.0.1/32"});
  CHECK(out["withdrawn"][0]["reason"] == "unhealthy");
  CHECK_FALSE(out.contains("errors"));
  // The session comes up within a couple of seconds (connect delay time 1).
  REQUIRE(waitFor([&] { return w.routerPrefixes() == Prefixes{"10.9.0.1/32"}; },
                  std::chrono::seconds(10)));
  auto communities = w.routerRoutes()["10.9.0.1/32"].communities;
  CHECK(communities == std::vector<std::string>{"65000:100", "65000:200"});
  CHECK(w.linkAddresses() == Prefixes{"10.9.0.1/32"});

  auto router_since = w.session("router.sock", "node1").since;
  auto node_since = w.session("node.sock", "photon_up1").since;
  CHECK(w.session("router.sock", "node1").info == "Established");
  out = w.reconcile(section({{"10.9.0.1/32", "web"}, {"10.9.0.2/32", "db"}}));
  REQUIRE(out["sessions"].size() == 1);
  CHECK(out["sessions"][0]["established"] == true);
  CHECK(photon::test::sameSession(out["sessions"][0]["since"].get<std::string>(), node_since));

  // A VIP added, then a service turning healthy: routes only, no session restart.
  w.reconcile(section({{"10.9.0.1/32", "web"}, {"10.9.0.2/32", "db"}, {"10.9.0.3/32", "web"}}));
  CHECK(waitFor([&] { return w.routerPrefixes().count("10.9.0.3/32") == 1; },
                std::chrono::seconds(2)));
  w.health.set("db", true);
  w.reconcile(section({{"10.9.0.1/32", "web"}, {"10.9.0.2/32", "db"}, {"10.9.0.3/32", "web"}}));
  CHECK(waitFor([&] { return w.routerPrefixes().size() == 3; }, std::chrono::seconds(2)));
  CHECK(w.routerRoutes()["10.9.0.2/32"].communities == std::vector<std::string>{"65000:100"});
  CHECK(w.linkAddresses() == Prefixes{"10.9.0.1/32", "10.9.0.2/32", "10.9.0.3/32"});

  // Unhealthy: withdrawn within a couple of seconds, address gone.
  w.health.set("web", false);
  out =
      w.reconcile(section({{"10.9.0.1/32", "web"}, {"10.9.0.2/32", "db"}, {"10.9.0.3/32", "web"}}));
  CHECK(out["announced"] == Json{"10.9.0.2/32"});
  CHECK(waitFor([&] { return w.routerPrefixes() == Prefixes{"10.9.0.2/32"}; },
                std::chrono::seconds(2)));
  CHECK(w.linkAddresses() == Prefixes{"10.9.0.2/32"});

  // A VIP removed from the desired state.
  w.reconcile(section({{"10.9.0.1/32", "web"}}));
  CHECK(waitFor([&] { return w.routerPrefixes().empty(); }, std::chrono::seconds(2)));
  CHECK(w.linkAddresses().empty());

  CHECK(photon::test::sameSession(w.session("router.sock", "node1").since, router_since));
  CHECK(photon::test::sameSession(w.session("node.sock", "photon_up1").since, node_since));
  CHECK(w.session("node.sock", "photon_up1").info == "Established");
}

TEST_CASE("bgp: a broken config is refused with BIRD's error and the old one keeps running",
          "[bgp][integration]") {
  World w;
  w.health.set("web", true);
  w.reconcile(section({{"10.9.0.1/32", "web"}}));
  REQUIRE(waitFor([&] { return w.routerPrefixes() == Prefixes{"10.9.0.1/32"}; },
                  std::chrono::seconds(10)));
  auto since = w.session("router.sock", "node1").since;
  auto file_before = readFile(w.options.config_path);
  REQUIRE(file_before.has_value());

  auto node = w.connect("node.sock");
  auto broken = *file_before + "protocol bgp broken {\n  local as 65001\n}\n";
  auto applied = applyBirdConfig(*node, {w.options.config_path, std::chrono::seconds(2)}, broken);
  REQUIRE_FALSE(applied.has_value());
  CHECK(applied.error().message.find("BIRD refused the configuration") != std::string::npos);
  CHECK(applied.error().message.find("syntax error") != std::string::npos);
  auto file_after = readFile(w.options.config_path);
  REQUIRE(file_after.has_value());
  CHECK(*file_after == *file_before);
  CHECK(w.session("node.sock", "photon_up1").info == "Established");
  CHECK(w.routerPrefixes() == Prefixes{"10.9.0.1/32"});
  CHECK(photon::test::sameSession(w.session("router.sock", "node1").since, since));
}

TEST_CASE("bgp: a config that breaks the sessions is not confirmed and BIRD undoes it",
          "[bgp][integration]") {
  World w;
  w.health.set("web", true);
  w.reconcile(section({{"10.9.0.1/32", "web"}}));
  REQUIRE(waitFor([&] { return w.routerPrefixes() == Prefixes{"10.9.0.1/32"}; },
                  std::chrono::seconds(10)));
  auto file_before = readFile(w.options.config_path);
  REQUIRE(file_before.has_value());
  // Valid for BIRD, wrong for the network: the router expects AS 65001.
  auto wrong = *file_before;
  auto at = wrong.find("local as 65001;");
  REQUIRE(at != std::string::npos);
  wrong.replace(at, 15, "local as 65099;");
  auto node = w.connect("node.sock");
  BirdApplyOptions options{w.options.config_path, std::chrono::seconds(1), std::chrono::seconds(1)};
  auto applied = applyBirdConfig(*node, options, wrong);
  REQUIRE_FALSE(applied.has_value());
  CHECK(applied.error().message.find("not back") != std::string::npos);
  auto file_after = readFile(w.options.config_path);
  REQUIRE(file_after.has_value());
  CHECK(*file_after == *file_before);
  // The undo timer puts the old config back and the session and the route return on their own.
  CHECK(waitFor([&] { return w.routerPrefixes() == Prefixes{"10.9.0.1/32"}; },
                std::chrono::seconds(10)));
  CHECK(w.session("node.sock", "photon_up1").info == "Established");
}

TEST_CASE("bgp: draining and a clean stop withdraw every VIP and keep the session",
          "[bgp][integration]") {
  World w;
  w.health.set("web", true);
  w.reconcile(section({{"10.9.0.1/32", "web"}, {"10.9.0.2/32", "web"}}));
  REQUIRE(waitFor([&] { return w.routerPrefixes().size() == 2; }, std::chrono::seconds(10)));
  auto since = w.session("router.sock", "node1").since;

  auto out = w.reconcile(section({{"10.9.0.1/32", "web"}, {"10.9.0.2/32", "web"}}, true));
  CHECK(out["withdrawn"][0]["reason"] == "draining");
  CHECK(waitFor([&] { return w.routerPrefixes().empty(); }, std::chrono::seconds(2)));
  CHECK(w.linkAddresses().empty());

  w.reconcile(section({{"10.9.0.1/32", "web"}, {"10.9.0.2/32", "web"}}));
  CHECK(waitFor([&] { return w.routerPrefixes().size() == 2; }, std::chrono::seconds(2)));
  w.shutdown();
  CHECK(waitFor([&] { return w.routerPrefixes().empty(); }, std::chrono::seconds(2)));
  CHECK(w.linkAddresses().empty());
  CHECK(photon::test::sameSession(w.session("router.sock", "node1").since, since));
}

TEST_CASE("bgp: every rendered feature is a config BIRD accepts", "[bgp][integration]") {
  photon::test::TempDir dir;
  auto config = parseBgpConfig(Json::parse(R"({
    "asn": 65001, "router_id": "10.77.0.2", "communities": ["65000:100", "65000:1:2"],
    "graceful_restart": false,
    "neighbors": [{"address": "10.77.0.1", "asn": 65000, "password": "pw",
                   "bfd": {"interval_ms": 50, "multiplier": 4}, "hold_time": 3},
                  {"address": "10.77.0.5", "asn": 65001, "route_reflector_client": true,
                   "bfd": true, "local_address": "10.77.0.2", "hold_time": 0},
                  {"address": "2001:db8::1", "asn": 4294967295, "keepalive_time": 8}],
    "vips": [{"address": "10.9.0.1/32", "service": "web"},
             {"address": "2001:db8::9/128", "service": "web", "communities": ["1:2"]}]
  })"));
  REQUIRE(config.has_value());
  auto file = dir.write("bird.conf", renderBirdConfig(*config, config->vips));
  CHECK(photon::test::runProgram({"/usr/sbin/bird", "-p", "-c", file}) == 0);
  // And the check can fail: BIRD refuses what is not a config.
  auto bad = dir.write("bad.conf", "protocol bgp {\n");
  CHECK(photon::test::runProgram({"/usr/sbin/bird", "-p", "-c", bad}) != 0);
}

TEST_CASE("bgp: an invalid section is refused before any config is written", "[bgp]") {
  photon::test::TempDir dir;
  photon::test::SwitchableHealth health;
  BgpOptions options;
  options.socket_path = dir.file("none.sock");
  options.config_path = dir.file("bird.conf");
  options.pid_file = dir.file("bird.pid");
  auto r = makeBgpReconciler(options, health);
  auto bad = section({{"10.9.0.0/24", "web"}});
  auto status = r->validate(bad);
  REQUIRE_FALSE(status.has_value());
  CHECK(status.error().field == "bgp.vips[0].address");
  auto out = r->reconcile(bad);
  CHECK(out["desired_error"]["field"] == "bgp.vips[0].address");
  CHECK_FALSE(readFile(options.config_path).has_value());
}
