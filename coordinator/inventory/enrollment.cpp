#include "coordinator/inventory/enrollment.h"

#include <algorithm>
#include <tuple>

namespace photon::coordinator {

bool ruleMatches(const common::RuleMatch& m, const common::PhoneHomeRequest& machine) {
  const auto& f = machine.facts;
  if (m.machine_id && *m.machine_id != machine.machine_id) return false;
  if (!m.macs.empty()) {
    bool any = std::any_of(f.nics.begin(), f.nics.end(), [&](const common::NicFacts& nic) {
      return std::find(m.macs.begin(), m.macs.end(), nic.mac) != m.macs.end();
    });
    if (!any) return false;
  }
  // The BMC's MAC as the machine's agent read it in-band: on the chassis label and in the
  // BMC's DHCP lease, so an operator often knows it before the machine was ever booted.
  if (!m.bmc_macs.empty() &&
      std::find(m.bmc_macs.begin(), m.bmc_macs.end(), f.bmc.mac) == m.bmc_macs.end()) {
    return false;
  }
  if (!m.dmi_vendor.empty() && m.dmi_vendor != f.dmi.vendor) return false;
  if (!m.dmi_product.empty() && m.dmi_product != f.dmi.product) return false;
  if (!m.dmi_serial.empty() && m.dmi_serial != f.dmi.serial) return false;
  if (m.min_cores && f.cpu.cores < *m.min_cores) return false;
  if (m.min_memory_bytes && f.memory_bytes < *m.min_memory_bytes) return false;
  if (m.virtualization && f.cpu.virtualization != *m.virtualization) return false;
  if (m.min_disks && static_cast<int64_t>(f.disks.size()) < *m.min_disks) return false;
  for (const auto& [k, v] : m.labels) {
    auto it = machine.labels.find(k);
    if (it == machine.labels.end() || it->second != v) return false;
  }
  return true;
}

bool isDeclaredNodeRule(const common::EnrollmentRule& rule) {
  return rule.labels.contains("photon.io/node");
}

bool pinsIdentity(const common::RuleMatch& match) {
  return match.machine_id.has_value() || (!match.macs.empty() && !match.dmi_serial.empty());
}

bool needsCommissioning(const common::EnrollmentRule& rule) {
  return isDeclaredNodeRule(rule) && !pinsIdentity(rule.match);
}

const common::EnrollmentRule* matchRule(const std::vector<common::EnrollmentRule>& rules,
                                        const common::PhoneHomeRequest& machine) {
  const common::EnrollmentRule* best = nullptr;
  auto rank = [](const common::EnrollmentRule& r) {
    return std::make_tuple(r.priority, r.match.selectorCount());
  };
  for (const auto& rule : rules) {
    if (!ruleMatches(rule.match, machine)) continue;
    if (!best || rank(rule) > rank(*best) ||
        (rank(rule) == rank(*best) && rule.name < best->name)) {
      best = &rule;
    }
  }
  return best;
}

}  // namespace photon::coordinator
