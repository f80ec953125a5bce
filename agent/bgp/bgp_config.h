// The desired "bgp" section as typed values, validated before anything is rendered: every
// string that reaches bird.conf is checked here so that nothing in it can read as BIRD syntax.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/bgp_session.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

// A standard community "asn:value" (16 bits each) or a large one "a:b:c" (32 bits each).
struct BgpCommunity {
  bool large = false;
  uint32_t a = 0;
  uint32_t b = 0;
  uint32_t c = 0;

  std::string text() const;  // "65000:100" / "65000:1:2", as the desired state writes it
  bool operator==(const BgpCommunity&) const = default;
};

struct BgpNeighbor {
  std::string name;  // BIRD protocol name without our prefix; derived from the address if absent
  std::string address;
  bool ipv6 = false;
  uint32_t asn = 0;
  std::string local_address;  // our end; BFD over a multihop (internal) session needs it
  std::string password;
  // BFD (on by default for an external neighbour: BIRD runs those only on a shared segment) and
  // the hold and keepalive times; common/api/bgp_session.h has the defaults.
  common::BgpSessionTimers timers;
  bool route_reflector_client = false;
};

struct BgpVip {
  std::string address;  // normalized host route: "10.9.0.1/32" or "2001:db8::1/128"
  bool ipv6 = false;
  std::string service;
  std::vector<BgpCommunity> communities;  // the section's communities, then the VIP's own
};

struct BgpConfig {
  uint32_t asn = 0;
  std::string router_id;
  std::vector<BgpNeighbor> neighbors;
  std::vector<BgpVip> vips;
  bool graceful_restart = true;
  bool withdraw_all = false;  // the node drains: announce nothing, keep the sessions
};

constexpr size_t kMaxBgpNeighbors = 64;
constexpr size_t kMaxBgpCommunities = 32;

[[nodiscard]] common::Result<BgpCommunity> parseCommunity(std::string_view text,
                                                          const std::string& field);
// A host route "a.b.c.d/32" or "v6/128" (the prefix length may be left out), normalized.
[[nodiscard]] common::Result<BgpVip> parseVipAddress(std::string_view text,
                                                     const std::string& field);
[[nodiscard]] common::Result<BgpConfig> parseBgpConfig(const common::Json& section);

}  // namespace photon::agent
