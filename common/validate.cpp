#include "common/validate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace photon::common {
namespace {
bool isLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
}  // namespace

bool isValidName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (name.front() == '-' || name.back() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return isLowerAlnum(c) || c == '-'; });
}

Status checkName(std::string_view field, std::string_view name) {
  if (isValidName(name)) return {};
  return invalid(std::string(field),
                 "must be 1-63 characters of [a-z0-9-], not starting or ending with '-'");
}

bool isValidLabelKey(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return isValidName(key);
  return isValidHostname(key.substr(0, slash)) && isValidName(key.substr(slash + 1));
}

bool isValidLabelValue(std::string_view value) {
  if (value.size() > 63) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

bool isValidHostname(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = host.find('.', start);
    auto label = host.substr(start, dot == std::string_view::npos ? host.npos : dot - start);
    if (!isValidName(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool isValidMachineId(std::string_view id) {
  return id.size() == 32 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::optional<std::string> normalizeMac(std::string_view mac) {
  if (mac.size() != 17) return std::nullopt;
  std::string out(mac);
  for (size_t i = 0; i < out.size(); ++i) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(out[i])));
    if (i % 3 == 2) {
      if (c != ':') return std::nullopt;
    } else if (!std::isxdigit(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
    out[i] = c;
  }
  return out;
}

std::optional<uint32_t> parseIpv4(std::string_view text) {
  if (text.size() > 15) return std::nullopt;
  std::string s(text);
  in_addr addr{};
  if (inet_pton(AF_INET, s.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

std::string formatIpv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
         std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

bool isValidIpv6(std::string_view text) {
  if (text.size() > 45) return false;
  std::string s(text);
  in6_addr addr{};
  return inet_pton(AF_INET6, s.c_str(), &addr) == 1;
}

bool isValidIp(std::string_view text) {
  return parseIpv4(text).has_value() || isValidIpv6(text);
}

bool Ipv4Cidr::contains(uint32_t address) const {
  uint32_t mask = prefix_length == 0 ? 0 : ~uint32_t{0} << (32 - prefix_length);
  return (address & mask) == network;
}

std::optional<Ipv4Cidr> parseIpv4Cidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = parseIpv4(text.substr(0, slash));
  if (!address) return std::nullopt;
  auto len_text = text.substr(slash + 1);
  int len = -1;
  auto [ptr, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc{} || ptr != len_text.data() + len_text.size() || len < 0 || len > 32) {
    return std::nullopt;
  }
  uint32_t mask = len == 0 ? 0 : ~uint32_t{0} << (32 - len);
  if ((*address & mask) != *address) return std::nullopt;  // host bits set: almost always a typo
  return Ipv4Cidr{*address, len};
}

bool isValidStorePath(std::string_view path) {
  constexpr std::string_view kPrefix = "/nix/store/";
  // Nix's base32 alphabet omits e, o, u and t.
  constexpr std::string_view kBase32 = "0123456789abcdfghijklmnpqrsvwxyz";
  if (!path.starts_with(kPrefix)) return false;
  auto rest = path.substr(kPrefix.size());
  if (rest.size() < 34 || rest[32] != '-') return false;
  for (size_t i = 0; i < 32; ++i) {
    if (kBase32.find(rest[i]) == std::string_view::npos) return false;
  }
  auto name = rest.substr(33);
  if (name.empty() || name.size() > 211) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("+-._?=").find(c) != std::string_view::npos;
  });
}

}  // namespace photon::common

namespace photon::common {

bool isReservedInstanceName(std::string_view name) {
  static constexpr std::string_view kOwn[] = {"agent", "coordinator", "bootstrap"};
  std::string_view bare = name.starts_with("photon-") ? name.substr(7) : name;
  return std::find(std::begin(kOwn), std::end(kOwn), bare) != std::end(kOwn);
}

bool isValidDiskLayout(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::optional<std::string> vipAddressProblem(std::string_view address) {
  std::string_view host = address;
  if (auto slash = host.find('/'); slash != std::string_view::npos) {
    std::string_view length = host.substr(slash + 1);
    host = host.substr(0, slash);
    bool v6 = host.find(':') != std::string_view::npos;
    if (length != (v6 ? "128" : "32")) return "must be one address (a /32 or /128)";
  }
  if (auto v4 = parseIpv4(host)) {
    uint32_t a = *v4;
    if (a == 0) return "is the unspecified address 0.0.0.0";
    if ((a >> 24) == 127) return "is a loopback address (127.0.0.0/8)";
    if ((a >> 28) == 0xe) return "is a multicast address (224.0.0.0/4)";
    if ((a >> 16) == 0xa9fe) return "is a link-local address (169.254.0.0/16)";
    return std::nullopt;
  }
  std::string s(host);
  in6_addr a{};
  if (inet_pton(AF_INET6, s.c_str(), &a) != 1) return "is not an IP address";
  if (IN6_IS_ADDR_UNSPECIFIED(&a)) return "is the unspecified address ::";
  if (IN6_IS_ADDR_LOOPBACK(&a)) return "is the loopback address ::1";
  if (IN6_IS_ADDR_MULTICAST(&a)) return "is a multicast address (ff00::/8)";
  if (IN6_IS_ADDR_LINKLOCAL(&a)) return "is a link-local address (fe80::/10)";
  if (IN6_IS_ADDR_V4MAPPED(&a)) return "is an IPv4-mapped address: write the IPv4 address";
  return std::nullopt;
}

}  // namespace photon::common
