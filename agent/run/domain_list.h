// The agent's domains, named in --domains: one table of names, read here and nowhere else.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace photon::agent {

// In the order the loop reconciles them: the system generation first, then what runs on it.
enum class Domain { kNixos, kUnits, kVms, kBgp };

std::string_view domainName(Domain domain);

// "nixos, units, vms, bgp": for help texts and errors.
std::string domainNames();

// "nixos,bgp" → {kNixos, kBgp}, in the reconcile order whatever the order given; "" → none.
// An unknown, empty or repeated name is an error that lists the valid names.
[[nodiscard]] common::Result<std::vector<Domain>> parseDomainList(std::string_view text);

}  // namespace photon::agent
