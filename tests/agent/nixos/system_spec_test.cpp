#include "agent/nixos/system_spec.h"

#include <catch2/catch.hpp>

using photon::agent::ActivationMode;
using photon::agent::parseSystemSpec;
using photon::common::Json;

namespace {
const std::string kPath = "/nix/store/9r3wq2l5p3hfhhjnz42sry3skpivvm5d-nixos-system-test";

Json base() {
  return {{"system", kPath},
          {"substituters", {"https://cache.example.org", "file:///var/cache/nix"}},
          {"trusted_public_keys", {"cache-1:rOsv9lLtkwBHzCSM5Ipkm8TBhrfIiU5uNYzSdpiHDWw="}}};
}

std::string refusal(const Json& section) {
  auto r = parseSystemSpec(section);
  REQUIRE_FALSE(r);
  return r.error().field + ": " + r.error().message;
}
}  // namespace

TEST_CASE("nixos spec: a full section parses with defaults", "[nixos]") {
  auto spec = parseSystemSpec(base());
  REQUIRE(spec);
  CHECK(spec->system == kPath);
  CHECK(spec->require_sigs);
  CHECK(spec->mode == ActivationMode::kSwitch);
  CHECK(spec->confirm_within_s == 120);
  CHECK(spec->health.empty());
  CHECK_FALSE(spec->install_bootloader);

  Json j = base();
  j["mode"] = "boot";
  j["require_sigs"] = false;
  j["confirm_within_s"] = 30;
  j["deployment"] = "d-7";
  j["install_bootloader"] = true;
  j["health"] = {{"units", {"nginx.service", "getty@tty1.service"}},
                 {"http", {"http://127.0.0.1:8080/healthz"}},
                 {"tcp", {"127.0.0.1:22", "[::1]:5432"}},
                 {"exec", {{"/run/current-system/sw/bin/true"}}}};
  auto full = parseSystemSpec(j);
  REQUIRE(full);
  CHECK(full->mode == ActivationMode::kBoot);
  CHECK_FALSE(full->require_sigs);
  CHECK(full->install_bootloader);
  CHECK(full->health.units.size() == 2);
  CHECK(full->health.exec[0][0] == "/run/current-system/sw/bin/true");
  // What is written back parses to the same spec (the journal relies on it).
  CHECK(*parseSystemSpec(photon::agent::toJson(*full)) == *full);
}

TEST_CASE("nixos spec: bad input is refused naming the field", "[nixos]") {
  auto with = [](const std::string& key, Json value) {
    Json j = base();
    j[key] = std::move(value);
    return j;
  };
  CHECK_THAT(refusal(with("system", "/nix/store/short-name")), Catch::Contains("system.system"));
  CHECK_THAT(refusal(with("system", kPath + "; rm -rf /")), Catch::Contains("store path"));
  CHECK_THAT(refusal(with("system", "/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x")),
             Catch::Contains("store path"));  // 'e' is not in Nix's base32
  CHECK_THAT(refusal(with("system", kPath + "/bin/sh")), Catch::Contains("store path"));
  CHECK_THAT(refusal(with("system", 5)), Catch::Contains("must be a string"));
  CHECK_THAT(refusal(with("mode", "dry-activate")),
             Catch::Contains("system.mode") && Catch::Contains("switch, boot or test"));
  CHECK_THAT(refusal(with("substituters", {"ssh://cache"})),
             Catch::Contains("system.substituters[0]"));
  CHECK_THAT(refusal(with("substituters", {"https://a b"})), Catch::Contains("substituters[0]"));
  CHECK_THAT(refusal(with("substituters", {"http://"})), Catch::Contains("substituters[0]"));
  CHECK_THAT(refusal(with("trusted_public_keys", {"nocolon"})),
             Catch::Contains("trusted_public_keys[0]"));
  CHECK_THAT(refusal(with("confirm_within_s", -1)), Catch::Contains("confirm_within_s"));
  CHECK_THAT(refusal(with("confirm_within_s", 0)), Catch::Contains("between 1 and 3600"));
  CHECK_THAT(refusal(with("confirm_within_s", 1LL << 40)), Catch::Contains("confirm_within_s"));
  CHECK_THAT(refusal(with("require_sigs", "yes")), Catch::Contains("require_sigs"));
  CHECK_THAT(refusal(with("install_bootloader", 1)), Catch::Contains("install_bootloader"));
  CHECK_THAT(refusal(with("health", {{"units", {"nginx; reboot"}}})),
             Catch::Contains("health.units[0]"));
  CHECK_THAT(refusal(with("health", {{"http", {"ftp://x"}}})), Catch::Contains("health.http[0]"));
  CHECK_THAT(refusal(with("health", {{"tcp", {"localhost:80"}}})),
             Catch::Contains("health.tcp[0]"));
  CHECK_THAT(refusal(with("health", {{"tcp", {"127.0.0.1:0"}}})), Catch::Contains("tcp[0]"));
  CHECK_THAT(refusal(with("health", {{"exec", {"/bin/true"}}})),
             Catch::Contains("argument vector"));
  CHECK_THAT(refusal(with("health", {{"exec", {{"true"}}}})), Catch::Contains("absolute path"));
  CHECK_THAT(refusal(with("health", {{"exec", {Json::array()}}})),
             Catch::Contains("argument vector"));
  CHECK_THAT(refusal(with("deployment", "a b")), Catch::Contains("system.deployment"));
  CHECK_THAT(refusal(Json::array()), Catch::Contains("must be an object"));
  Json many = base();
  many["substituters"] = Json::array();
  for (int i = 0; i < 65; ++i) many["substituters"].push_back("http://c" + std::to_string(i));
  CHECK_THAT(refusal(many), Catch::Contains("more than 64"));
}

TEST_CASE("nixos spec: host:port parsing", "[nixos]") {
  auto v4 = photon::agent::parseHostPort("127.0.0.1:8080");
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 8080);
  auto v6 = photon::agent::parseHostPort("[::1]:22");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK_FALSE(photon::agent::parseHostPort("::1:22"));
  CHECK_FALSE(photon::agent::parseHostPort("127.0.0.1:70000"));
  CHECK_FALSE(photon::agent::parseHostPort("127.0.0.1:22x"));
}
