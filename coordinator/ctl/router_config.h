// The upstream router's side of the fabric's BGP sessions, generated from the cluster declaration
// (GET /api/v1/cluster), so that the demo's router and a real ToR are configured from the same
// source as the nodes: one session per node that peers with the router, with that node's ASN,
// password, hold/keepalive times and BFD timers (the same defaults the agent applies:
// common/api/bgp_session.h), and an import filter that accepts only the declared VIPs as host
// routes, so that a node cannot announce (hijack) any other address.
//
// Pure: declaration in, text out; `photonctl bgp router-config` does the I/O.
#pragma once

#include <string>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::ctl {

struct RouterConfigOptions {
  // The router's address as the nodes' neighbour entries name it; empty: the one external
  // neighbour every node's entries agree on.
  std::string router_address;
  // BIRD's router id; empty: router_address (when it is IPv4).
  std::string router_id;
};

// A complete bird.conf for BIRD 2 (>= 2.0.8: per-session BFD options). Errors name the
// declaration's field ("bgp.nodes.n1.neighbors[0].password") or the option ("--router").
[[nodiscard]] common::Result<std::string> renderRouterBirdConfig(
    const common::Json& cluster, const RouterConfigOptions& options);

}  // namespace photon::ctl
