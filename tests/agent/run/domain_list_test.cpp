// --domains: the one table of domain names, and the errors a mistyped list gets.
#include <catch2/catch.hpp>

#include "agent/run/domain_list.h"

using namespace photon::agent;

TEST_CASE("domain list: names in any order come back in the reconcile order", "[agent]") {
  auto domains = parseDomainList("bgp,units,nixos");
  REQUIRE(domains);
  CHECK(*domains == std::vector<Domain>{Domain::kNixos, Domain::kUnits, Domain::kBgp});
  auto all = parseDomainList("nixos,units,vms,bgp");
  REQUIRE(all);
  CHECK(all->size() == 4);
}

TEST_CASE("domain list: an empty flag asks for no domain", "[agent]") {
  auto domains = parseDomainList("");
  REQUIRE(domains);
  CHECK(domains->empty());
}

TEST_CASE("domain list: an unknown name is refused with the valid names listed", "[agent]") {
  auto domains = parseDomainList("nixos,unit");
  REQUIRE_FALSE(domains);
  CHECK(domains.error().field == "domains");
  CHECK(domains.error().message == "unknown domain 'unit' (valid: nixos, units, vms, bgp)");
}

TEST_CASE("domain list: an empty item and a repeated name are refused", "[agent]") {
  auto empty = parseDomainList("nixos,,bgp");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message == "an empty domain name (valid: nixos, units, vms, bgp)");
  auto trailing = parseDomainList("nixos,");
  REQUIRE_FALSE(trailing);
  auto twice = parseDomainList("vms,bgp,vms");
  REQUIRE_FALSE(twice);
  CHECK(twice.error().message == "domain 'vms' is given twice");
}

TEST_CASE("domain list: a long unknown name is echoed cut short", "[agent]") {
  auto domains = parseDomainList(std::string(10000, 'x'));
  REQUIRE_FALSE(domains);
  CHECK(domains.error().message.size() < 120);
}

TEST_CASE("domain list: each domain's name reads back through the parser", "[agent]") {
  for (Domain d : {Domain::kNixos, Domain::kUnits, Domain::kVms, Domain::kBgp}) {
    auto parsed = parseDomainList(domainName(d));
    REQUIRE(parsed);
    CHECK(*parsed == std::vector<Domain>{d});
  }
}
