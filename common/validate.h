// Validation of names and addresses that arrive from the network, before any use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace photon::common {

// [a-z0-9-], 1..63 characters, no leading or trailing '-': safe as a unit name, a file name,
// a hostname label and a BIRD symbol suffix.
bool isValidName(std::string_view name);
Status checkName(std::string_view field, std::string_view name);

// Label keys: a name, optionally prefixed "domain/". Values: [A-Za-z0-9._-], up to 63.
bool isValidLabelKey(std::string_view key);
bool isValidLabelValue(std::string_view value);

// A hostname: dot-separated names, up to 253 characters.
bool isValidHostname(std::string_view host);

// /etc/machine-id: 32 lowercase hex digits.
bool isValidMachineId(std::string_view id);

// "aa:bb:cc:dd:ee:ff" in any case; returns lowercase, or nothing when it does not parse.
std::optional<std::string> normalizeMac(std::string_view mac);

std::optional<uint32_t> parseIpv4(std::string_view text);
std::string formatIpv4(uint32_t address);
bool isValidIpv6(std::string_view text);
bool isValidIp(std::string_view text);

struct Ipv4Cidr {
  uint32_t network = 0;
  int prefix_length = 0;
  bool contains(uint32_t address) const;
};
std::optional<Ipv4Cidr> parseIpv4Cidr(std::string_view text);

// Instance names become the unit "photon-<name>.service": these would be a unit Photon runs
// itself (photon-agent, photon-coordinator, photon-bootstrap), which an instance must never
// replace or stop. The "photon-" forms are kept out too, so no name reads as one of them.
bool isReservedInstanceName(std::string_view name);

// A disk layout is a name the installer looks up in its directory of layouts, never a path:
// [A-Za-z0-9._-], 1..63 characters, not starting with '.' (so no "..", no hidden file).
bool isValidDiskLayout(std::string_view name);

// An address a VIP may take: not unspecified (0.0.0.0, ::), loopback, multicast or link-local
// (169.254/16, fe80::/10); a "/32" or "/128" suffix is allowed. Nothing when it is fine, else
// why not.
std::optional<std::string> vipAddressProblem(std::string_view address);

// A Nix store path: /nix/store/<32 chars of Nix base32>-<name>.
bool isValidStorePath(std::string_view path);

}  // namespace photon::common
