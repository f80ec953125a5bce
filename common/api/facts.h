// Hardware facts: what the agent reports at phone-home and in its observed state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json_fields.h"

namespace photon::common {

struct CpuFacts {
  std::string model;
  int64_t cores = 0;
  int64_t threads = 0;
  bool virtualization = false;
};

struct DiskFacts {
  std::string name;
  int64_t size_bytes = 0;
  bool rotational = false;
  std::string model;
  std::string serial;
  std::string wwn;
};

struct NicFacts {
  std::string name;
  std::string mac;
  bool link_up = false;
  int64_t speed_mbps = 0;
  std::string driver;
  std::vector<std::string> addresses;
};

struct DmiFacts {
  std::string vendor;
  std::string product;
  std::string serial;
  std::string uuid;
};

// The machine's BMC as it describes itself in-band (the agent asks it through /dev/ipmi0): its
// LAN channel's address and MAC, which is what an operator needs to reach it and what a
// declaration can name the machine by. Empty when the machine has no BMC the agent can reach.
struct BmcFacts {
  int64_t channel = 0;         // the 802.3 LAN channel the facts were read from
  std::string address;         // IPv4, dotted; "" when the BMC has none
  std::string address_source;  // static | dhcp | bios | other | unspecified
  std::string mac;             // lower case, colon separated

  bool present() const { return !mac.empty() || !address.empty(); }
};

struct Facts {
  CpuFacts cpu;
  int64_t memory_bytes = 0;
  std::vector<DiskFacts> disks;
  std::vector<NicFacts> nics;
  DmiFacts dmi;
  BmcFacts bmc;  // "bmc" in JSON only when present(): facts without one keep their digest
};

Result<Facts> factsFromJson(const Json& j, const std::string& path);
// Replaces every byte that is not UTF-8 in the facts' strings (firmware fills DMI fields with
// anything, 0xFF included) with U+FFFD, so that they can be sent and stored as JSON.
void sanitizeFacts(Facts& facts);
Json toJson(const Facts& facts);

}  // namespace photon::common
