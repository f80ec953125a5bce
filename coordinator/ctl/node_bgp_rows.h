// `photonctl node show`'s BGP lines, from the "bgp" part of GET /api/v1/nodes/ID
// (coordinator/api/node_bgp.h): the node's BIRD configuration state, each session with BIRD's
// session state, the VIPs it announces and withdraws, and what went wrong. The report is read
// with the same strict reader the coordinator uses (common/api/bgp_report.h): one that does not
// read is a line naming the field, not a guess.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace photon::ctl {

// Rows of the node's table ({"label:", "text"}); none when `bgp` is null (no BGP reported).
std::vector<std::vector<std::string>> nodeBgpRows(const nlohmann::json& bgp);

}  // namespace photon::ctl
