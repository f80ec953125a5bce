#include <catch2/catch.hpp>

#include "common/validate.h"

using namespace photon::common;

TEST_CASE("validate: names are [a-z0-9-] without a leading or trailing dash", "[inventory]") {
  CHECK(isValidName("web-1"));
  CHECK(isValidName("a"));
  CHECK_FALSE(isValidName(""));
  CHECK_FALSE(isValidName("-web"));
  CHECK_FALSE(isValidName("web-"));
  CHECK_FALSE(isValidName("Web"));
  CHECK_FALSE(isValidName("web_1"));
  CHECK_FALSE(isValidName("a;rm -rf"));
  CHECK_FALSE(isValidName(std::string(64, 'a')));
  CHECK(isValidName(std::string(63, 'a')));
}

TEST_CASE("validate: addresses, networks, MACs and machine ids", "[inventory]") {
  CHECK(parseIpv4("10.0.1.2") == 0x0a000102u);
  CHECK_FALSE(parseIpv4("10.0.1"));
  CHECK_FALSE(parseIpv4("10.0.1.256"));
  CHECK(formatIpv4(0x0a000102u) == "10.0.1.2");
  CHECK(isValidIp("::1"));
  CHECK(isValidIpv6("2001:db8::1"));
  CHECK_FALSE(isValidIp("2001:db8:::1"));
  auto cidr = parseIpv4Cidr("10.0.1.0/24");
  REQUIRE(cidr);
  CHECK(cidr->contains(*parseIpv4("10.0.1.200")));
  CHECK_FALSE(cidr->contains(*parseIpv4("10.0.2.1")));
  CHECK_FALSE(parseIpv4Cidr("10.0.1.1/24"));  // host bits set
  CHECK_FALSE(parseIpv4Cidr("10.0.1.0/33"));
  CHECK_FALSE(parseIpv4Cidr("10.0.1.0"));
  CHECK(normalizeMac("AA:bb:CC:00:11:22") == "aa:bb:cc:00:11:22");
  CHECK_FALSE(normalizeMac("aa-bb-cc-00-11-22"));
  CHECK_FALSE(normalizeMac("aa:bb:cc:00:11"));
  CHECK(isValidMachineId("0123456789abcdef0123456789abcdef"));
  CHECK_FALSE(isValidMachineId("0123456789ABCDEF0123456789abcdef"));
  CHECK_FALSE(isValidMachineId("0123"));
}

TEST_CASE("validate: store paths use Nix's base32 and a sane name", "[nixos]") {
  CHECK(isValidStorePath("/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-web"));
  CHECK_FALSE(isValidStorePath("/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9be-x"));  // 'e'
  CHECK_FALSE(isValidStorePath("/nix/store/short-x"));
  CHECK_FALSE(isValidStorePath("/tmp/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-x"));
  CHECK_FALSE(isValidStorePath("/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-x;reboot"));
  CHECK_FALSE(isValidStorePath("/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-"));
}
