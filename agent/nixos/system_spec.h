// The desired "system" section is an API type: its parser lives in common/ so that the
// coordinator refuses at POST /api/v1/deployments exactly what the agent would refuse.
#pragma once

#include "common/api/system_spec.h"

namespace photon::agent {

using common::ActivationMode;
using common::HealthSpec;
using common::HostPort;
using common::isValidPublicKey;
using common::isValidSubstituter;
using common::isValidUnitName;
using common::kMaxConfirmWithinS;
using common::kMaxListEntries;
using common::modeName;
using common::parseHostPort;
using common::parseSystemSpec;
using common::SystemSpec;
using common::toJson;

}  // namespace photon::agent
