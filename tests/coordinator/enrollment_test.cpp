#include <catch2/catch.hpp>

#include "coordinator/inventory/enrollment.h"

using namespace photon;
using namespace photon::coordinator;

namespace {
common::PhoneHomeRequest machine() {
  common::PhoneHomeRequest m;
  m.machine_id = "0123456789abcdef0123456789abcdef";
  m.facts.cpu.cores = 16;
  m.facts.cpu.virtualization = true;
  m.facts.memory_bytes = int64_t{64} << 30;
  m.facts.disks.resize(2);
  m.facts.nics.push_back({"eth0", "52:54:00:aa:bb:cc", true, 10000, "virtio_net", {}});
  m.facts.dmi = {"ACME", "R640", "SN123", ""};
  m.labels = {{"rack", "r1"}};
  return m;
}

common::EnrollmentRule rule(std::string name, int64_t priority, common::RuleMatch match) {
  common::EnrollmentRule r;
  r.name = std::move(name);
  r.priority = priority;
  r.match = std::move(match);
  r.pool = "p";
  return r;
}
}  // namespace

TEST_CASE("enrollment: every selector must hold", "[inventory]") {
  auto m = machine();
  common::RuleMatch match;
  match.min_cores = 16;
  match.min_memory_bytes = int64_t{64} << 30;
  match.virtualization = true;
  match.min_disks = 2;
  match.dmi_vendor = "ACME";
  match.macs = {"52:54:00:aa:bb:cc"};
  match.labels = {{"rack", "r1"}};
  match.machine_id = m.machine_id;
  CHECK(ruleMatches(match, m));
  for (int i = 0; i < 8; ++i) {
    common::RuleMatch broken = match;
    switch (i) {
      case 0:
        broken.min_cores = 17;
        break;
      case 1:
        broken.min_memory_bytes = (int64_t{64} << 30) + 1;
        break;
      case 2:
        broken.virtualization = false;
        break;
      case 3:
        broken.min_disks = 3;
        break;
      case 4:
        broken.dmi_vendor = "Other";
        break;
      case 5:
        broken.macs = {"52:54:00:aa:bb:cd"};
        break;
      case 6:
        broken.labels = {{"rack", "r2"}};
        break;
      case 7:
        broken.machine_id = "f123456789abcdef0123456789abcdef";
        break;
    }
    INFO("selector " << i);
    CHECK_FALSE(ruleMatches(broken, m));
  }
}

TEST_CASE("enrollment: priority wins, then the most selectors, then the first name",
          "[inventory]") {
  auto m = machine();
  common::RuleMatch cores;
  cores.min_cores = 4;
  common::RuleMatch cores_and_vendor = cores;
  cores_and_vendor.dmi_vendor = "ACME";
  common::RuleMatch nothing;

  std::vector<common::EnrollmentRule> rules = {
      rule("generic", 0, nothing), rule("specific", 0, cores_and_vendor), rule("cores", 0, cores)};
  CHECK(matchRule(rules, m)->name == "specific");
  rules.push_back(rule("urgent", 5, nothing));
  CHECK(matchRule(rules, m)->name == "urgent");
  std::vector<common::EnrollmentRule> tie = {rule("b", 0, cores), rule("a", 0, cores)};
  CHECK(matchRule(tie, m)->name == "a");
  common::RuleMatch other_vendor;
  other_vendor.dmi_vendor = "Other";
  std::vector<common::EnrollmentRule> none = {rule("x", 0, other_vendor)};
  CHECK(matchRule(none, m) == nullptr);
}

TEST_CASE("enrollment: bmc_macs matches the BMC's MAC from the in-band facts",
          "[inventory][power]") {
  auto m = machine();
  common::RuleMatch match;
  match.bmc_macs = {"52:54:00:00:0b:01", "52:54:00:00:0b:02"};
  CHECK_FALSE(ruleMatches(match, m));  // no BMC in the facts
  m.facts.bmc.mac = "52:54:00:00:0b:02";
  CHECK(ruleMatches(match, m));
  m.facts.bmc.mac = "52:54:00:00:0b:03";
  CHECK_FALSE(ruleMatches(match, m));
  // A NIC with the BMC's MAC is not the BMC.
  m.facts.bmc.mac.clear();
  m.facts.nics[0].mac = "52:54:00:00:0b:01";
  CHECK_FALSE(ruleMatches(match, m));
  // More specific than a rule without it, and alone it does not pin the machine.
  CHECK(match.selectorCount() == 1);
  CHECK_FALSE(pinsIdentity(match));
}

TEST_CASE("enrollment: a rule's bmc_macs are read, normalised and validated",
          "[inventory][power]") {
  common::Json doc = {
      {"name", "c"},
      {"pools", common::Json::array({{{"name", "p"},
                                      {"cidr", "10.0.0.0/24"},
                                      {"range_start", "10.0.0.10"},
                                      {"range_end", "10.0.0.20"}}})},
      {"rules",
       common::Json::array(
           {{{"name", "r"}, {"pool", "p"}, {"match", {{"bmc_macs", {"52:54:00:AA:00:01"}}}}}})}};
  auto cluster = common::clusterFromJson(doc);
  INFO((cluster ? std::string() : cluster.error().message));
  REQUIRE(cluster);
  REQUIRE(cluster->rules.size() == 1);
  CHECK(cluster->rules[0].match.bmc_macs == std::vector<std::string>{"52:54:00:aa:00:01"});
  CHECK(common::toJson(*cluster)["rules"][0]["match"]["bmc_macs"][0] == "52:54:00:aa:00:01");
  doc["rules"][0]["match"]["bmc_macs"] = {"not-a-mac"};
  auto bad = common::clusterFromJson(doc);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field.find("rules[0].match.bmc_macs[0]") != std::string::npos);
  CHECK(bad.error().message == "is not a MAC address");
}
