// The desired "system" section: which NixOS generation to run, where to fetch it from, how to
// activate it and how to tell that it is healthy. Parsing is pure and refuses anything that
// could reach a program's arguments unchecked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::common {

enum class ActivationMode { kSwitch, kBoot, kTest };
std::string modeName(ActivationMode mode);

struct HealthSpec {
  std::vector<std::string> units;              // systemd unit names that must be active
  std::vector<std::string> http;               // http(s) URLs that must answer 2xx
  std::vector<std::string> tcp;                // "ip:port" / "[ip6]:port" that must accept
  std::vector<std::vector<std::string>> exec;  // argument vectors that must exit 0

  bool empty() const { return units.empty() && http.empty() && tcp.empty() && exec.empty(); }
  bool operator==(const HealthSpec&) const = default;
};

struct SystemSpec {
  std::string system;  // /nix/store/<hash>-<name>
  std::vector<std::string> substituters;
  std::vector<std::string> trusted_public_keys;
  bool require_sigs = true;
  ActivationMode mode = ActivationMode::kSwitch;
  HealthSpec health;
  int64_t confirm_within_s = 120;
  std::string deployment;  // the coordinator's deployment id, echoed in reports
  // Not empty: reboot the node once for this token after the system is applied. The agent
  // records the token with the boot id before rebooting, so a node that comes back sees the
  // reboot done and never reboots for the same token again (no reboot loop).
  std::string reboot_token;
  // switch-to-configuration installs the boot loader (NIXOS_INSTALL_BOOTLOADER=1, as
  // nixos-rebuild --install-bootloader gives it), for this activation and its rollback.
  bool install_bootloader = false;

  bool operator==(const SystemSpec&) const = default;
};

constexpr int64_t kMaxConfirmWithinS = 3600;
constexpr size_t kMaxListEntries = 64;

[[nodiscard]] common::Result<SystemSpec> parseSystemSpec(const common::Json& section);
common::Json toJson(const SystemSpec& spec);

// Single checks, exposed for tests.
bool isValidSubstituter(const std::string& url);
bool isValidPublicKey(const std::string& key);
bool isValidUnitName(const std::string& unit);
// "127.0.0.1:80" or "[::1]:80" -> host and port; nothing when it is neither.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
std::optional<HostPort> parseHostPort(const std::string& text);

}  // namespace photon::common
