#include "coordinator/power/ipmi_driver.h"
#include "coordinator/power/redfish_driver.h"

namespace photon::coordinator::power {

common::Result<std::unique_ptr<PowerDriver>> makeDriver(const BmcAccess& access) {
  if (access.driver == "ipmi") return std::make_unique<IpmiDriver>(access);
  if (access.driver == "redfish") return std::make_unique<RedfishDriver>(access);
  return common::invalid(
      "driver", "unknown BMC driver '" + access.driver.substr(0, 32) + "' (ipmi, redfish)");
}

}  // namespace photon::coordinator::power
