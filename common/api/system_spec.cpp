#include "common/api/system_spec.h"

#include <algorithm>
#include <charconv>

#include "common/validate.h"

namespace photon::common {
namespace {
using common::invalid;
using common::Json;

bool hasNoSpace(const std::string& s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

common::Result<std::vector<std::string>> readList(const Json& obj, const std::string& key,
                                                  const std::string& path) {
  PHOTON_TRY(auto list, common::readStringList(obj, key, path));
  if (list.size() > kMaxListEntries) {
    return invalid(common::joinPath(path, key),
                   "has more than " + std::to_string(kMaxListEntries) + " entries");
  }
  return list;
}

common::Result<HealthSpec> parseHealth(const Json& section) {
  const std::string path = "system.health";
  PHOTON_TRY(Json health, common::readObject(section, "health", "system"));
  PHOTON_CHECK(common::requireObject(health, path));
  HealthSpec spec;
  PHOTON_TRY(spec.units, readList(health, "units", path));
  for (size_t i = 0; i < spec.units.size(); ++i) {
    if (!isValidUnitName(spec.units[i])) {
      return invalid(path + ".units[" + std::to_string(i) + "]",
                     "is not a systemd unit name: " + spec.units[i]);
    }
  }
  PHOTON_TRY(spec.http, readList(health, "http", path));
  for (size_t i = 0; i < spec.http.size(); ++i) {
    const auto& url = spec.http[i];
    if (!(url.starts_with("http://") || url.starts_with("https://")) || !hasNoSpace(url)) {
      return invalid(path + ".http[" + std::to_string(i) + "]", "must be an http(s) URL");
    }
  }
  PHOTON_TRY(spec.tcp, readList(health, "tcp", path));
  for (size_t i = 0; i < spec.tcp.size(); ++i) {
    if (!parseHostPort(spec.tcp[i])) {
      return invalid(path + ".tcp[" + std::to_string(i) + "]",
                     "must be IP:PORT or [IPv6]:PORT: " + spec.tcp[i]);
    }
  }
  PHOTON_TRY(Json exec, common::readArray(health, "exec", path));
  if (exec.size() > kMaxListEntries) return invalid(path + ".exec", "has too many entries");
  for (size_t i = 0; i < exec.size(); ++i) {
    std::string where = path + ".exec[" + std::to_string(i) + "]";
    const Json& argv = exec[i];
    if (!argv.is_array() || argv.empty() || argv.size() > kMaxListEntries) {
      return invalid(where, "must be a non-empty argument vector (a list of strings)");
    }
    std::vector<std::string> args;
    for (const auto& a : argv) {
      if (!a.is_string() || a.get_ref<const std::string&>().size() > common::kMaxStringLength) {
        return invalid(where, "arguments must be strings");
      }
      args.push_back(a.get<std::string>());
    }
    if (!args[0].starts_with("/")) return invalid(where, "the program must be an absolute path");
    spec.exec.push_back(std::move(args));
  }
  return spec;
}
}  // namespace

std::string modeName(ActivationMode mode) {
  switch (mode) {
    case ActivationMode::kSwitch:
      return "switch";
    case ActivationMode::kBoot:
      return "boot";
    case ActivationMode::kTest:
      return "test";
  }
  return "switch";
}

bool isValidSubstituter(const std::string& url) {
  if (!hasNoSpace(url) || url.size() > 1024) return false;
  for (std::string_view scheme : {"http://", "https://", "file://"}) {
    if (url.starts_with(scheme) && url.size() > scheme.size()) return true;
  }
  return false;
}

bool isValidPublicKey(const std::string& key) {
  // name:base64(ed25519 public key), as nix-store --generate-binary-cache-key writes it.
  auto colon = key.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == key.size()) return false;
  if (key.size() > 256 || !hasNoSpace(key)) return false;
  return std::all_of(key.begin() + static_cast<long>(colon) + 1, key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
}

bool isValidUnitName(const std::string& unit) {
  if (unit.empty() || unit.size() > 255) return false;
  auto dot = unit.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == unit.size()) return false;
  return std::all_of(unit.begin(), unit.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view(":-_.@\\").find(c) != std::string_view::npos;
  });
}

std::optional<HostPort> parseHostPort(const std::string& text) {
  HostPort hp;
  std::string port;
  if (text.starts_with("[")) {
    auto close = text.find("]:");
    if (close == std::string::npos) return std::nullopt;
    hp.host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    if (!common::isValidIpv6(hp.host)) return std::nullopt;
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return std::nullopt;
    hp.host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (!common::parseIpv4(hp.host)) return std::nullopt;
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

common::Result<SystemSpec> parseSystemSpec(const Json& section) {
  PHOTON_CHECK(common::requireObject(section, "system"));
  SystemSpec spec;
  PHOTON_TRY(spec.system, common::readString(section, "system", "system"));
  if (!common::isValidStorePath(spec.system)) {
    return invalid("system.system",
                   "must be a store path /nix/store/<32 base32 characters>-<name>: " +
                       spec.system.substr(0, 200));
  }
  PHOTON_TRY(spec.substituters, readList(section, "substituters", "system"));
  for (size_t i = 0; i < spec.substituters.size(); ++i) {
    if (!isValidSubstituter(spec.substituters[i])) {
      return invalid("system.substituters[" + std::to_string(i) + "]",
                     "must be an http://, https:// or file:// URL without spaces");
    }
  }
  PHOTON_TRY(spec.trusted_public_keys, readList(section, "trusted_public_keys", "system"));
  for (size_t i = 0; i < spec.trusted_public_keys.size(); ++i) {
    if (!isValidPublicKey(spec.trusted_public_keys[i])) {
      return invalid("system.trusted_public_keys[" + std::to_string(i) + "]",
                     "must be NAME:BASE64 as nix-store --generate-binary-cache-key writes it");
    }
  }
  PHOTON_TRY(spec.require_sigs, common::readBool(section, "require_sigs", "system", true));
  PHOTON_TRY(std::string mode, common::readString(section, "mode", "system", "switch"));
  if (mode == "switch") {
    spec.mode = ActivationMode::kSwitch;
  } else if (mode == "boot") {
    spec.mode = ActivationMode::kBoot;
  } else if (mode == "test") {
    spec.mode = ActivationMode::kTest;
  } else {
    return invalid("system.mode", "must be switch, boot or test, not " + mode.substr(0, 64));
  }
  PHOTON_TRY(spec.health, parseHealth(section));
  PHOTON_TRY(spec.confirm_within_s,
             common::readInt(section, "confirm_within_s", "system", 1, kMaxConfirmWithinS, 120));
  PHOTON_TRY(spec.deployment, common::readString(section, "deployment", "system", ""));
  if (spec.deployment.size() > 128 || !hasNoSpace(spec.deployment)) {
    return invalid("system.deployment", "must be up to 128 characters without spaces");
  }
  PHOTON_TRY(spec.reboot_token, common::readString(section, "reboot_token", "system", ""));
  if (spec.reboot_token.size() > 128 || !hasNoSpace(spec.reboot_token)) {
    return invalid("system.reboot_token", "must be up to 128 characters without spaces");
  }
  PHOTON_TRY(spec.install_bootloader,
             common::readBool(section, "install_bootloader", "system", false));
  return spec;
}

Json toJson(const SystemSpec& spec) {
  Json exec = Json::array();
  for (const auto& argv : spec.health.exec) exec.push_back(argv);
  Json out = {
      {"system", spec.system},
      {"substituters", spec.substituters},
      {"trusted_public_keys", spec.trusted_public_keys},
      {"require_sigs", spec.require_sigs},
      {"mode", modeName(spec.mode)},
      {"health",
       {{"units", spec.health.units},
        {"http", spec.health.http},
        {"tcp", spec.health.tcp},
        {"exec", exec}}},
      {"confirm_within_s", spec.confirm_within_s},
  };
  if (!spec.deployment.empty()) out["deployment"] = spec.deployment;
  if (!spec.reboot_token.empty()) out["reboot_token"] = spec.reboot_token;
  if (spec.install_bootloader) out["install_bootloader"] = true;
  return out;
}

}  // namespace photon::common
