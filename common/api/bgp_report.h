// The agent's observed "bgp" domain, one typed struct for both sides: the agent's BGP reconciler
// builds a BgpReport and writes it with toJson, readers take it back with bgpReportFromJson
// (strict: an unknown session or config state is an error naming its field). Read by the
// agent's metrics, and on the coordinator by the node's API view and the fleet's BGP gauges
// (coordinator/api/node_bgp.h); nothing decides on it.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/api/name_table.h"
#include "common/api/observed.h"
#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

// Whether the node's BIRD runs the desired configuration: kUnconfigured until a valid "bgp"
// section arrived, kPending while BIRD has not taken the newest one.
enum class BgpConfigState { kUnconfigured, kPending, kApplied };

template <>
struct EnumNames<BgpConfigState> {
  static constexpr std::array<std::pair<BgpConfigState, std::string_view>, 3> kNames = {{
      {BgpConfigState::kUnconfigured, "unconfigured"},
      {BgpConfigState::kPending, "pending"},
      {BgpConfigState::kApplied, "applied"},
  }};
};

inline std::string_view toString(BgpConfigState v) {
  return enumName(v);
}

// One BGP protocol of BIRD's "show protocols all".
struct BgpSessionReport {
  std::string name;
  std::string neighbor;
  std::string protocol_state;  // BIRD's protocol state ("up", "down", "start"): its "state"
  std::string since;           // as BIRD prints it; changes whenever the protocol restarts
  std::string info;            // BIRD's info column as printed ("Active Socket: ...")
  std::optional<BgpSessionState> session;  // the info column's first word, when BIRD names one

  bool established() const { return session == BgpSessionState::kEstablished; }
  bool operator==(const BgpSessionReport&) const = default;
};

struct BgpWithdrawnVip {
  std::string address;
  std::string service;
  std::string reason;  // "unhealthy", "draining", "stopping"

  bool operator==(const BgpWithdrawnVip&) const = default;
};

struct BgpReport {
  BgpConfigState config = BgpConfigState::kUnconfigured;
  std::vector<std::string> announced;  // VIP addresses BIRD announces now
  std::vector<BgpWithdrawnVip> withdrawn;
  std::vector<BgpSessionReport> sessions;
  std::vector<std::string> errors;  // this round's problems (netlink, BIRD), each cut
  // The newest desired section was refused (the previous one keeps running).
  std::string desired_error;
  std::string desired_field;

  bool operator==(const BgpReport&) const = default;
};

// The session state BIRD's info column starts with ("Active Socket: ..." -> kActive).
std::optional<BgpSessionState> sessionStateOf(std::string_view info);

Json toJson(const BgpReport& report);
[[nodiscard]] Result<BgpReport> bgpReportFromJson(const Json& j, const std::string& path);

// The "bgp" domain of a whole observed document ({"domains": {"bgp": {...}}}); nullopt when the
// node reports none (a node that runs no BGP).
[[nodiscard]] Result<std::optional<BgpReport>> bgpReportFromObserved(const Json& observed);

}  // namespace photon::common
