// The cluster declaration (generated from Nix): classes, pools, enrollment rules and the
// lifecycle settings. Sections owned by later features (bgp, services, core_services) are kept
// as given in `extra` and validated by their own code (of bgp, the session timers are checked
// here: common/api/bgp_session.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "common/validate.h"

namespace photon::common {

struct NodeClass {
  std::string name;
  std::map<std::string, std::string> labels;
};

struct Pool {
  std::string name;
  std::string cidr;  // e.g. "10.0.1.0/24"
  uint32_t range_start = 0;
  uint32_t range_end = 0;
  std::string gateway;
  std::string hostname_pattern;  // "{pool}" and "{index}" are replaced
  std::string disk_layout;
  std::string profile;  // default system profile (flake attribute or store path)

  int prefixLength() const;
  uint32_t size() const { return range_end - range_start + 1; }
};

struct RuleMatch {
  std::optional<std::string> machine_id;
  std::vector<std::string> macs;      // any of them
  std::vector<std::string> bmc_macs;  // the machine's BMC's MAC (facts.bmc), any of them
  std::string dmi_vendor, dmi_product, dmi_serial;  // empty: any
  std::optional<int64_t> min_cores;
  std::optional<int64_t> min_memory_bytes;
  std::optional<bool> virtualization;
  std::optional<int64_t> min_disks;
  std::map<std::string, std::string> labels;  // labels the machine reported at phone-home

  // How specific the rule is: more selectors win a tie of priority.
  int selectorCount() const;
};

struct EnrollmentRule {
  std::string name;
  int64_t priority = 0;
  RuleMatch match;
  std::string class_name;
  std::string pool;
  std::string profile;  // overrides the pool's
  std::map<std::string, std::string> labels;
  bool auto_install = false;  // go straight to install-pending instead of waiting in ready
};

struct LifecycleSettings {
  int64_t commission_deadline_s = 1800;
  int64_t install_deadline_s = 3600;
  int64_t drain_deadline_s = 1800;
  int64_t node_ttl_s = 60;
};

struct Cluster {
  std::string name;
  std::vector<NodeClass> classes;
  std::vector<Pool> pools;
  std::vector<EnrollmentRule> rules;
  LifecycleSettings settings;
  Json extra = Json::object();  // bgp, services, core_services, ...

  const Pool* findPool(const std::string& name) const;
};

// Validates the whole declaration; the first error names its field.
Result<Cluster> clusterFromJson(const Json& j);
Json toJson(const Cluster& cluster);

}  // namespace photon::common
