// A fabric for the failover test and bench: a "router" namespace whose bridge is the rack's
// switch and whose BIRD runs the config `photonctl bgp router-config` generates from a cluster
// declaration, and nodes behind the bridge, each a namespace with the BIRD its own bgp reconciler
// drives. Node i (1-based) is AS 6500i at 10.78.0.1i; the router is AS 65000 at 10.78.0.1.
// Every node announces the shared VIP 10.78.9.10 and its own 10.78.9.1i (service "web").
#pragma once

#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "agent/bgp/bgp_reconciler.h"
#include "agent/bgp/bird_commands.h"
#include "agent/bgp/bird_process.h"
#include "coordinator/ctl/router_config.h"
#include "tests/agent/bgp/netns.h"
#include "tests/fakes/service_health.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

class Fabric {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr const char* kSharedVip = "10.78.9.10/32";

  // `session`: the fields every node's neighbour entry for the router gets ("bfd", "hold_time",
  // ...). `undeclared`: a VIP node 1 announces that the declaration does not have.
  Fabric(int nodes, const common::Json& session, const std::string& undeclared = "")
      : router_(prefix() + "r") {
    makeBridge(router_, "br0", "10.78.0.1/24");
    cluster_ = {{"name", "fabric"}, {"bgp", {{"nodes", common::Json::object()}}}};
    cluster_["vips"] = {{{"name", "shared"}, {"address", kSharedVip}, {"service", "web"}}};
    for (int i = 1; i <= nodes; ++i) {
      auto n = std::make_unique<Node>();
      n->name = "node" + std::to_string(i);
      n->ns = std::make_unique<Netns>(prefix() + std::to_string(i));
      makeBridgePort(router_, "br0", "port" + std::to_string(i), *n->ns, "eth0",
                     address(i) + "/24");
      common::Json neighbor = {{"address", "10.78.0.1"}, {"asn", 65000}, {"name", "fabric"}};
      neighbor.update(session);
      cluster_["bgp"]["nodes"][n->name] = {
          {"asn", 65000 + i}, {"router_id", address(i)}, {"neighbors", {neighbor}}};
      cluster_["vips"].push_back(
          {{"name", "own" + std::to_string(i)}, {"address", ownVip(i)}, {"service", "web"}});
      nodes_.push_back(std::move(n));
    }
    auto conf = ctl::renderRouterBirdConfig(cluster_, {});
    if (!conf) throw std::runtime_error("router config: " + conf.error().message);
    router_config_ = *conf;
    auto file = dir_.write("router.conf", router_config_);
    guards_.push_back(std::make_unique<PidFileGuard>(dir_.file("router.pid")));
    auto started = inNetns(router_, [&] {
      return agent::startBird(
          *agent::makeProcessRunner(),
          {"/usr/sbin/bird", file, dir_.file("router.sock"), dir_.file("router.pid")});
    });
    if (!started) throw std::runtime_error(started.error().message);
    for (int i = 1; i <= nodes; ++i) {
      Node& n = *nodes_[i - 1];
      agent::BgpOptions o;
      o.socket_path = dir_.file(n.name + ".sock");
      o.config_path = dir_.file(n.name + "/bird.conf");
      o.pid_file = dir_.file(n.name + ".pid");
      o.command_timeout = std::chrono::milliseconds(3000);
      o.confirm_wait = std::chrono::milliseconds(3000);
      guards_.push_back(std::make_unique<PidFileGuard>(o.pid_file));
      n.reconciler = agent::makeBgpReconciler(o, health_);
      common::Json section = cluster_["bgp"]["nodes"][n.name];
      section["vips"] = {{{"address", kSharedVip}, {"service", "web"}},
                         {{"address", ownVip(i)}, {"service", "web"}}};
      if (i == 1 && !undeclared.empty()) {
        section["vips"].push_back({{"address", undeclared}, {"service", "web"}});
      }
      common::Json out = inNetns(*n.ns, [&] { return n.reconciler->reconcile(section); });
      if (out.contains("errors") || out.contains("desired_error")) {
        throw std::runtime_error(n.name + ": " + out.dump());
      }
    }
  }

  ~Fabric() {
    // The reconcilers go before their daemons' guards, the daemons before the namespaces.
    for (auto& n : nodes_) n->reconciler.reset();
    guards_.clear();
  }

  static std::string address(int i) { return "10.78.0.1" + std::to_string(i); }
  static std::string ownVip(int i) { return "10.78.9.1" + std::to_string(i) + "/32"; }
  static std::string protocol(int i) { return "photon_node" + std::to_string(i); }
  const std::string& routerConfig() const { return router_config_; }
  const common::Json& cluster() const { return cluster_; }

  std::unique_ptr<agent::BirdSocket> connect(const std::string& who) {
    auto s = agent::BirdSocket::connect(dir_.file(who + ".sock"), std::chrono::seconds(3));
    if (!s) throw std::runtime_error(who + ": " + s.error().message);
    return std::move(*s);
  }

  // Prefix -> the router's protocols (one per node) it has a path from.
  std::map<std::string, std::set<std::string>> routerPaths() {
    auto routes = agent::showRoutes(*connect("router"));
    if (!routes) throw std::runtime_error("router routes: " + routes.error().message);
    std::map<std::string, std::set<std::string>> out;
    for (const auto& r : *routes) out[r.prefix].insert(r.protocol);
    return out;
  }
  // The prefixes node `i`'s own BIRD has (its static protocols).
  std::set<std::string> nodeRoutes(int i) {
    auto routes = agent::showRoutes(*connect("node" + std::to_string(i)));
    if (!routes) throw std::runtime_error("node routes: " + routes.error().message);
    std::set<std::string> out;
    for (const auto& r : *routes) out.insert(r.prefix);
    return out;
  }
  // The router's view of each session: protocol -> {info, since}.
  std::map<std::string, std::pair<std::string, std::string>> sessions() {
    auto protocols = agent::showProtocols(*connect("router"));
    if (!protocols) throw std::runtime_error("router protocols: " + protocols.error().message);
    std::map<std::string, std::pair<std::string, std::string>> out;
    for (const auto& p : *protocols) {
      if (p.proto == "BGP") out[p.name] = {p.info, p.since};
    }
    return out;
  }
  // BFD sessions the router has Up.
  int bfdUp() {
    auto reply = connect("router")->command("show bfd sessions");
    if (!reply || !reply->ok()) return 0;
    int up = 0;
    for (const auto& line : reply->lines) {
      if (line.text.find(" Up ") != std::string::npos) ++up;
    }
    return up;
  }

  // Every session Established, every node's paths on the router (and BFD up, if `bfd`).
  bool converged(bool bfd) {
    auto s = sessions();
    for (size_t i = 1; i <= nodes_.size(); ++i) {
      if (s[protocol(static_cast<int>(i))].first != "Established") return false;
    }
    auto paths = routerPaths();
    if (paths[kSharedVip].size() != nodes_.size()) return false;
    return !bfd || bfdUp() == static_cast<int>(nodes_.size());
  }

  // Node i's link down inside its namespace, then the time until the router has no path from it
  // (nothing: not within `limit`).
  std::optional<std::chrono::milliseconds> cutAndWait(int i, std::chrono::milliseconds limit) {
    auto start = Clock::now();
    setLinkDown(*nodes_[i - 1]->ns, "eth0");
    while (Clock::now() - start < limit) {
      bool any = false;
      for (const auto& [prefix, protocols] : routerPaths())
        any = any || protocols.count(protocol(i));
      if (!any) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return std::nullopt;
  }

 private:
  struct Node {
    std::string name;
    std::unique_ptr<Netns> ns;
    std::unique_ptr<agent::Reconciler> reconciler;
  };
  static std::string prefix() { return "photon-fab-" + std::to_string(::getpid()) + "-"; }

  TempDir dir_;
  Netns router_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<PidFileGuard>> guards_;
  AllHealthy health_;
  common::Json cluster_;
  std::string router_config_;
};

// Polls `pred` every 10 ms until it holds (true) or `limit` passes (false).
template <typename P>
bool eventually(P pred, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace photon::test
