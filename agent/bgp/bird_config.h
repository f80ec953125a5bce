// Renders the bird.conf the agent owns. Pure: the same inputs give the same bytes, so the agent
// can tell whether anything changed without asking BIRD.
//
// The one property that matters: the VIPs only ever appear as routes of the two static
// protocols. Filters and bgp blocks depend on the neighbours alone, so adding or removing a VIP
// makes BIRD re-announce without restarting any BGP session.
#pragma once

#include <string>
#include <vector>

#include "agent/bgp/bgp_config.h"

namespace photon::agent {

inline constexpr const char* kStaticProtocol4 = "photon_vips4";
inline constexpr const char* kStaticProtocol6 = "photon_vips6";
inline constexpr const char* kBgpProtocolPrefix = "photon_";

// The BIRD protocol name of a neighbour's bgp block.
std::string bgpProtocolName(const BgpNeighbor& neighbor);

// `announced` are the VIPs that pass the health gate (a subset of config.vips).
std::string renderBirdConfig(const BgpConfig& config, const std::vector<BgpVip>& announced);

}  // namespace photon::agent
