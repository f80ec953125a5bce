// A real coordinator (CoordinatorFixture) with enrolled, active nodes and simulated agents: each
// agent reads its node's desired units and reports them in the observed document the way the
// units domain does (per instance state, health, revision), with the health the test chooses.
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tests/support/coordinator_fixture.h"

namespace photon::test {

using common::Json;

struct SimNode {
  std::string id;
  std::string token;
};

class SimCluster {
 public:
  // The health a simulated agent reports for an instance ("healthy", "unhealthy", "starting").
  using HealthFn = std::function<std::string(const Json& instance)>;

  explicit SimCluster(CoordinatorFixture& c, Json extra = Json::object()) : c_(c) {
    Json cluster = Json::parse(R"({
      "name": "lab",
      "classes": [{"name": "compute"}, {"name": "core"}],
      "pools": [{"name": "web", "cidr": "10.0.0.0/16", "range_start": "10.0.1.1",
                 "range_end": "10.0.9.250", "hostname_pattern": "web-{index}"}],
      "rules": [{"name": "all", "priority": 10, "match": {"min_cores": 1}, "class": "compute",
                 "pool": "web", "auto_install": true}],
      "settings": {"node_ttl_s": 30, "drain_deadline_s": 600}
    })");
    for (auto& [k, v] : extra.items()) cluster[k] = v;
    auto r = c_.admin("PUT", "/api/v1/cluster", cluster);
    REQUIRE(r.status == 200);
  }

  // Enrolls machine `n`, makes it active and labels it.
  SimNode addNode(int n, const std::map<std::string, std::string>& labels, int cores = 8,
                  bool virtualization = false) {
    Json machine = CoordinatorFixture::machine(n, cores);
    machine["facts"]["cpu"]["virtualization"] = virtualization;
    auto r = c_.bootstrap("POST", "/api/v1/phone-home", machine);
    REQUIRE(r.status == 200);
    SimNode node{r.body["node_id"], r.body["token"]};
    auto installed = c_.as(node.token, "PUT", "/api/v1/nodes/" + node.id + "/observed",
                           R"({"install": {"phase": "installed"}})");
    REQUIRE(installed.status == 200);
    Json patch = {{"labels", labels}};
    REQUIRE(c_.admin("PATCH", "/api/v1/nodes/" + node.id, patch).status == 200);
    nodes_.push_back(node);
    return node;
  }

  Json desired(const SimNode& node) {
    auto r = c_.as(node.token, "GET", "/api/v1/nodes/" + node.id + "/desired");
    REQUIRE(r.status == 200);
    return r.body;
  }

  Json units(const SimNode& node) {
    Json d = desired(node);
    return d.contains("units") ? d["units"] : Json::array();
  }

  std::vector<std::string> instanceNames(const SimNode& node) {
    std::vector<std::string> out;
    for (const auto& u : units(node)) out.push_back(u["name"]);
    return out;
  }

  // What the node's agent would report after applying its desired units.
  void report(const SimNode& node, const HealthFn& health = {}) {
    Json d = desired(node);
    Json instances = Json::array();
    if (d.contains("units")) {
      for (const auto& u : d["units"]) {
        std::string h = health ? health(u) : "healthy";
        instances.push_back({{"name", u["name"]},
                             {"unit", "photon-" + u["name"].get<std::string>() + ".service"},
                             {"state", h == "failed" ? "failed" : "active"},
                             {"health", h},
                             {"revision", u["revision"]},
                             {"desired_revision", u["revision"]}});
      }
    }
    Json observed = {{"domains", {{"units", {{"instances", instances}}}}},
                     {"desired_revision", d["revision"]}};
    auto r = c_.as(node.token, "PUT", "/api/v1/nodes/" + node.id + "/observed", observed.dump());
    REQUIRE(r.status == 200);
  }

  void reportAll(const HealthFn& health = {}, const std::string& except = {}) {
    for (const auto& n : nodes_) {
      if (n.id != except) report(n, health);
    }
  }

  void round() { c_.server().sweepOnce(); }

  // Rounds with every agent (but `except`) reporting in between.
  void settle(int rounds = 3, const HealthFn& health = {}, const std::string& except = {}) {
    for (int i = 0; i < rounds; ++i) {
      round();
      reportAll(health, except);
    }
    round();
  }

  Reply putService(const std::string& name, const Json& body) {
    return c_.admin("PUT", "/api/v1/services/" + name, body);
  }

  Json allocations(const std::string& service) {
    auto r = c_.admin("GET", "/api/v1/services/" + service + "/allocations");
    REQUIRE(r.status == 200);
    return r.body;
  }

  // node id -> live (not lost) allocation count.
  std::map<std::string, int> placedPerNode(const std::string& service) {
    std::map<std::string, int> out;
    Json all = allocations(service);  // kept: a range-for over a temporary's member dangles
    for (const auto& a : all["allocations"]) {
      if (!a.value("lost", false)) ++out[a["node"].get<std::string>()];
    }
    return out;
  }

  const std::vector<SimNode>& nodes() const { return nodes_; }
  CoordinatorFixture& fixture() { return c_; }

  static Json service(int replicas, Json extra = Json::object()) {
    Json s = {{"replicas", replicas},
              {"resources", {{"cpu_millis", 1000}, {"memory_bytes", int64_t{1} << 30}}},
              {"update", {{"max_parallel", 1}, {"min_healthy_s", 10}, {"auto_revert", true}}},
              {"instance",
               {{"exec", {"/run/current-system/sw/bin/web", "--port", "8080"}},
                {"health", {{"http", {{"port", 8080}, {"path", "/healthz"}}}}}}}};
    for (auto& [k, v] : extra.items()) s[k] = v;
    return s;
  }

 private:
  CoordinatorFixture& c_;
  std::vector<SimNode> nodes_;
};

}  // namespace photon::test
