// One BMC, whatever speaks to it (IPMI over LAN, Redfish): switch the machine, read its power
// state, choose its next boot device. Every call is bounded by its deadline and blocks the
// calling thread (the power manager's pool, never a request or control thread).
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "coordinator/power/power_types.h"

namespace photon::coordinator::power {

class PowerDriver {
 public:
  virtual ~PowerDriver() = default;
  [[nodiscard]] virtual common::Status power(PowerAction action, Deadline deadline) = 0;
  [[nodiscard]] virtual common::Result<PowerState> status(Deadline deadline) = 0;
  // For the next boot only.
  [[nodiscard]] virtual common::Status setBootDevice(BootDevice device, Deadline deadline) = 0;
};

// How to reach one BMC, the password already read (bmc_records.h resolves it).
struct BmcAccess {
  std::string driver;  // "ipmi" | "redfish"
  std::string address;
  int port = 0;  // 0: the driver's default (623 for IPMI, 443/80 for Redfish)
  std::string username;
  std::string password;
  // Redfish only.
  std::string scheme = "https";  // "http" only for loopback test fixtures
  std::string system_id;         // empty: the only member of /redfish/v1/Systems
  bool insecure_tls = false;     // BMCs' self-signed certificates
  std::string ca_file;
};

// The driver for `access.driver`.
common::Result<std::unique_ptr<PowerDriver>> makeDriver(const BmcAccess& access);

}  // namespace photon::coordinator::power
