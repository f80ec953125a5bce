// What the BGP domain will do, decided without touching the OS: which VIPs pass the health
// gate, the bird.conf that announces exactly those, and the address changes on the VIP link.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/bgp/bgp_config.h"

namespace photon::agent {

struct BgpWithdrawn {
  std::string address;
  std::string service;
  std::string reason;  // "unhealthy", "draining", "stopping"
};

struct BgpPlan {
  std::vector<BgpVip> announce;
  std::vector<BgpWithdrawn> withdrawn;
  std::string config;                         // the full bird.conf for `announce`
  bool reconfigure = false;                   // `config` differs from what BIRD was last given
  std::vector<std::string> add_addresses;     // before the routes appear
  std::vector<std::string> remove_addresses;  // after the routes are gone
};

struct BgpPlanInput {
  // Health of each service named by a VIP; a service missing here counts as unhealthy.
  std::map<std::string, bool> healthy;
  // The config BIRD was last given by us; nothing after an agent start, so that the first
  // pass always configures once (BIRD leaves unchanged protocols alone).
  std::optional<std::string> applied_config;
  std::vector<std::string> link_addresses;  // what the VIP link holds now
  bool stopping = false;                    // a clean agent stop withdraws everything
};

BgpPlan planBgp(const BgpConfig& config, const BgpPlanInput& input);

}  // namespace photon::agent
