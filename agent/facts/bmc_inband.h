// The machine's own BMC, asked in-band: the LAN address and MAC it answers on, read with
// FreeIPMI (libfreeipmi) through the kernel's IPMI device, so that discovery shows an operator
// where the machine's BMC is without anyone walking to the rack.
#pragma once

#include <string>

#include "common/api/facts.h"
#include "common/result.h"

struct ipmi_ctx;  // FreeIPMI's context (ipmi_ctx_t), opened by the caller

namespace photon::agent {

// The device the Linux IPMI driver (ipmi_si + ipmi_devintf) gives the machine's BMC.
inline constexpr const char* kIpmiDevice = "/dev/ipmi0";

// Asks the BMC behind `ctx` (any FreeIPMI context: in-band here, a LAN session in the tests)
// for its first 802.3 LAN channel's IP address, address source and MAC.
[[nodiscard]] common::Result<common::BmcFacts> queryBmcLan(ipmi_ctx* ctx);

// Opens `device` with FreeIPMI's OpenIPMI (Linux) driver and queries it. kNotFound when there is
// no such device (most VMs, machines without a BMC or without the modules loaded). A BMC that
// stops answering does not hold the caller for long: the kernel's message handler completes a
// request it could not deliver with a timeout after its retries (seconds), and FreeIPMI's driver
// gives up on its own after 60 s at the most.
[[nodiscard]] common::Result<common::BmcFacts> readInbandBmc(
    const std::string& device = kIpmiDevice);

}  // namespace photon::agent
