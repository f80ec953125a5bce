#include "agent/bgp/bgp_plan.h"

#include <catch2/catch.hpp>

using namespace photon::agent;

namespace {

BgpConfig config() {
  auto r = parseBgpConfig(photon::common::Json::parse(R"({
    "asn": 65001, "router_id": "10.77.0.2",
    "neighbors": [{"address": "10.77.0.1", "asn": 65000}],
    "vips": [{"address": "10.9.0.1/32", "service": "web"},
             {"address": "10.9.0.2/32", "service": "db"},
             {"address": "2001:db8::9/128", "service": "web"}]
  })"));
  REQUIRE(r.has_value());
  return *r;
}

std::vector<std::string> addresses(const std::vector<BgpVip>& vips) {
  std::vector<std::string> out;
  for (const auto& v : vips) out.push_back(v.address);
  return out;
}

}  // namespace

TEST_CASE("bgp plan: only VIPs of healthy services are announced", "[bgp]") {
  BgpPlanInput in;
  in.healthy = {{"web", true}, {"db", false}};
  auto plan = planBgp(config(), in);
  CHECK(addresses(plan.announce) == std::vector<std::string>{"10.9.0.1/32", "2001:db8::9/128"});
  REQUIRE(plan.withdrawn.size() == 1);
  CHECK(plan.withdrawn[0].address == "10.9.0.2/32");
  CHECK(plan.withdrawn[0].reason == "unhealthy");
  CHECK(plan.config.find("10.9.0.2/32") == std::string::npos);
  CHECK(plan.config.find("route 10.9.0.1/32 blackhole;") != std::string::npos);
  CHECK(plan.add_addresses == std::vector<std::string>{"10.9.0.1/32", "2001:db8::9/128"});
}

TEST_CASE("bgp plan: a service missing from the health map counts as unhealthy", "[bgp]") {
  BgpPlanInput in;
  in.healthy = {{"web", true}};
  auto plan = planBgp(config(), in);
  CHECK(plan.withdrawn.size() == 1);
}

TEST_CASE("bgp plan: draining and stopping withdraw everything", "[bgp]") {
  BgpPlanInput in;
  in.healthy = {{"web", true}, {"db", true}};
  in.link_addresses = {"10.9.0.1/32", "fe80::1/64"};
  auto c = config();
  c.withdraw_all = true;
  auto plan = planBgp(c, in);
  CHECK(plan.announce.empty());
  CHECK(plan.withdrawn.size() == 3);
  CHECK(plan.withdrawn[0].reason == "draining");
  // The link-local address is the kernel's, not ours.
  CHECK(plan.remove_addresses == std::vector<std::string>{"10.9.0.1/32"});
  in.stopping = true;
  plan = planBgp(config(), in);
  CHECK(plan.announce.empty());
  CHECK(plan.withdrawn[0].reason == "stopping");
}

TEST_CASE("bgp plan: reconfigures only when the rendered config changes", "[bgp]") {
  BgpPlanInput in;
  in.healthy = {{"web", true}, {"db", true}};
  auto first = planBgp(config(), in);
  CHECK(first.reconfigure);  // nothing applied yet since the agent started
  in.applied_config = first.config;
  in.link_addresses = {"10.9.0.1/32", "10.9.0.2/32", "2001:db8::9/128"};
  auto again = planBgp(config(), in);
  CHECK_FALSE(again.reconfigure);
  CHECK(again.add_addresses.empty());
  CHECK(again.remove_addresses.empty());
  in.healthy["db"] = false;
  auto changed = planBgp(config(), in);
  CHECK(changed.reconfigure);
  CHECK(changed.remove_addresses == std::vector<std::string>{"10.9.0.2/32"});
}
