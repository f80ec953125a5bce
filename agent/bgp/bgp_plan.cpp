#include "agent/bgp/bgp_plan.h"

#include <set>

#include "agent/bgp/bird_config.h"

namespace photon::agent {

BgpPlan planBgp(const BgpConfig& config, const BgpPlanInput& input) {
  BgpPlan plan;
  for (const auto& vip : config.vips) {
    std::string reason;
    if (input.stopping) {
      reason = "stopping";
    } else if (config.withdraw_all) {
      reason = "draining";
    } else if (auto it = input.healthy.find(vip.service);
               it == input.healthy.end() || !it->second) {
      reason = "unhealthy";
    }
    if (reason.empty()) {
      plan.announce.push_back(vip);
    } else {
      plan.withdrawn.push_back({vip.address, vip.service, reason});
    }
  }
  plan.config = renderBirdConfig(config, plan.announce);
  plan.reconfigure = !input.applied_config || *input.applied_config != plan.config;

  std::set<std::string> want;
  for (const auto& vip : plan.announce) want.insert(vip.address);
  std::set<std::string> have;
  for (const auto& a : input.link_addresses) {
    // The kernel gives every IPv6-enabled link a link-local address; it is not ours to manage.
    if (a.starts_with("fe80:")) continue;
    have.insert(a);
  }
  for (const auto& a : want) {
    if (!have.count(a)) plan.add_addresses.push_back(a);
  }
  for (const auto& a : have) {
    if (!want.count(a)) plan.remove_addresses.push_back(a);
  }
  return plan;
}

}  // namespace photon::agent
