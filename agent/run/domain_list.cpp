#include "agent/run/domain_list.h"

#include <algorithm>
#include <array>
#include <utility>

namespace photon::agent {
namespace {
constexpr std::array<std::pair<Domain, std::string_view>, 4> kNames{{
    {Domain::kNixos, "nixos"},
    {Domain::kUnits, "units"},
    {Domain::kVms, "vms"},
    {Domain::kBgp, "bgp"},
}};
// Longer than any name: a bounded echo of what was given.
constexpr size_t kMaxEcho = 32;
}  // namespace

std::string_view domainName(Domain domain) {
  for (const auto& [value, name] : kNames) {
    if (value == domain) return name;
  }
  return "unknown";
}

std::string domainNames() {
  std::string names;
  for (const auto& [value, name] : kNames) {
    if (!names.empty()) names += ", ";
    names += name;
  }
  return names;
}

common::Result<std::vector<Domain>> parseDomainList(std::string_view text) {
  std::vector<Domain> domains;
  if (text.empty()) return domains;
  for (size_t start = 0; start <= text.size();) {
    size_t comma = std::min(text.find(',', start), text.size());
    std::string_view item = text.substr(start, comma - start);
    auto known = std::find_if(kNames.begin(), kNames.end(),
                              [&](const auto& entry) { return entry.second == item; });
    if (known == kNames.end()) {
      std::string shown(item.substr(0, kMaxEcho));
      return common::invalid("domains", (item.empty() ? std::string("an empty domain name")
                                                      : "unknown domain '" + shown + "'") +
                                            " (valid: " + domainNames() + ")");
    }
    if (std::find(domains.begin(), domains.end(), known->first) != domains.end()) {
      return common::invalid("domains", "domain '" + std::string(item) + "' is given twice");
    }
    domains.push_back(known->first);
    start = comma + 1;
  }
  std::sort(domains.begin(), domains.end());
  return domains;
}

}  // namespace photon::agent
