// IPMI over LAN (RMCP+, "lanplus") through FreeIPMI's libfreeipmi: one session per call, the
// session's timeout set from the call's deadline, so a BMC that never answers costs the call
// its deadline and nothing more.
#pragma once

#include "coordinator/power/power_driver.h"

namespace photon::coordinator::power {

class IpmiDriver final : public PowerDriver {
 public:
  explicit IpmiDriver(BmcAccess access);
  common::Status power(PowerAction action, Deadline deadline) override;
  common::Result<PowerState> status(Deadline deadline) override;
  common::Status setBootDevice(BootDevice device, Deadline deadline) override;

 private:
  BmcAccess access_;
};

}  // namespace photon::coordinator::power
