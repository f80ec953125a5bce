// Everything the agent says about its machine: identity (machine-id, hostname) and hardware
// facts, collected without running a program.
#pragma once

#include <string>

#include "common/api/facts.h"
#include "common/result.h"

namespace photon::agent {

struct MachineFacts {
  std::string machine_id;
  std::string hostname;
  common::Facts facts;
};

// Files are read under `root`; NICs come from the current network namespace through netlink; the
// BMC's LAN address and MAC from `root`/dev/ipmi0 when there is one (bmc_inband.h).
// A missing machine-id is an error (it is the machine's identity); other gaps leave a field
// empty, and a netlink or BMC failure leaves that part empty and is returned in `warnings`.
[[nodiscard]] common::Result<MachineFacts> collectMachineFacts(const std::string& root,
                                                               std::string* warnings = nullptr);

// SHA-256 (hex) of the facts' JSON: the observed state carries it so that the coordinator can
// tell when hardware changed without receiving the facts on every report.
std::string factsDigest(const common::Facts& facts);

}  // namespace photon::agent
