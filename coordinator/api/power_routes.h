// Power control's routes (power_routes.cpp): BMC records, power operations, boot device.
#pragma once

#include "coordinator/api/routes.h"

namespace photon::coordinator {

void registerPowerRoutes(Router& router, ApiContext& ctx);

}  // namespace photon::coordinator
