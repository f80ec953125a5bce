// Redfish (DMTF DSP0266) over HTTPS: the ComputerSystem's PowerState, its
// Actions/ComputerSystem.Reset, and Boot.BootSourceOverrideTarget/Enabled by PATCH.
#pragma once

#include "coordinator/power/power_driver.h"
#include "coordinator/power/redfish_client.h"

namespace photon::coordinator::power {

class RedfishDriver final : public PowerDriver {
 public:
  explicit RedfishDriver(BmcAccess access);
  common::Status power(PowerAction action, Deadline deadline) override;
  common::Result<PowerState> status(Deadline deadline) override;
  common::Status setBootDevice(BootDevice device, Deadline deadline) override;

 private:
  // The system's path: Systems/{system_id}, or the only member of the Systems collection.
  common::Result<std::string> systemPath(Deadline deadline);

  BmcAccess access_;
  RedfishClient client_;
};

// The ResetType for `action` among those the system allows (empty list: any is allowed).
std::string resetTypeFor(PowerAction action, const std::vector<std::string>& allowed);
// "On", "PoweringOff", …: what a PowerState means for Photon.
PowerState powerStateOf(const std::string& redfish_state);

}  // namespace photon::coordinator::power
