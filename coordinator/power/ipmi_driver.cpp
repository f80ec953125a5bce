#include "coordinator/power/ipmi_driver.h"

#include "common/freeipmi_handles.h"

#include <algorithm>
#include <functional>
#include <memory>

namespace photon::coordinator::power {
namespace {

using common::ErrorCode;
using common::fail;

constexpr int kDefaultPort = 623;
// RMCP+ cipher suite 3 (HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128): what every BMC and ipmitool's
// lanplus default speak.
constexpr uint8_t kCipherSuite = 3;
// Ask for the privilege level by name in the Open Session request, as ipmitool does: OpenIPMI's
// BMC (and some vendors') refuse the spec's "highest level the cipher suite allows" (0) with
// "privilege level cannot be obtained".
constexpr unsigned kWorkarounds = IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE;

using Ctx = common::IpmiCtx;
using common::Fiid;
const auto ctxError = common::ipmiCtxError;

// A session to the BMC, bounded by what is left of the deadline.
common::Result<Ctx> openSession(const BmcAccess& access, Deadline deadline) {
  auto left = remaining(deadline).count();
  if (left < 100) return fail(ErrorCode::kUnavailable, "deadline passed before the IPMI session");
  Ctx ctx(ipmi_ctx_create());
  if (!ctx) return fail(ErrorCode::kInternal, "ipmi_ctx_create failed");
  std::string host =
      access.address + ":" + std::to_string(access.port ? access.port : kDefaultPort);
  // The session timeout bounds every exchange of the session (open and each command); FreeIPMI
  // retransmits within it every `retransmit` ms.
  // FreeIPMI notices the timeout at a retransmission tick: a session timeout that is a whole
  // number of ticks ends on time (measured: 2000/500 ms ends at 2002 ms, 1999/499 ms past 2.4 s).
  unsigned retransmit = std::clamp<unsigned>(static_cast<unsigned>(left) / 4, 100, 500);
  unsigned session_timeout =
      std::max<unsigned>(static_cast<unsigned>(left) / retransmit, 1) * retransmit;
  if (ipmi_ctx_open_outofband_2_0(ctx.get(), host.c_str(), access.username.c_str(),
                                  access.password.c_str(), nullptr, 0, IPMI_PRIVILEGE_LEVEL_ADMIN,
                                  kCipherSuite, session_timeout, retransmit, kWorkarounds,
                                  IPMI_FLAGS_DEFAULT) < 0) {
    // Credentials and capabilities the BMC refused will not improve with another attempt;
    // silence and timeouts might.
    int err = ipmi_ctx_errnum(ctx.get());
    bool refused = err == IPMI_ERR_USERNAME_INVALID || err == IPMI_ERR_PASSWORD_INVALID ||
                   err == IPMI_ERR_PRIVILEGE_LEVEL_CANNOT_BE_OBTAINED ||
                   err == IPMI_ERR_K_G_INVALID || err == IPMI_ERR_CIPHER_SUITE_ID_UNAVAILABLE ||
                   err == IPMI_ERR_IPMI_2_0_UNAVAILABLE;
    auto code = refused ? ErrorCode::kInvalid : ErrorCode::kUnavailable;
    return fail(code, "IPMI session to " + host + ": " + ctxError(ctx.get()));
  }
  return ctx;
}

// Runs one command of the session whose reply has the template `tmpl`.
common::Result<Fiid> run(ipmi_ctx_t ctx, fiid_template_t tmpl, const std::string& what,
                         const std::function<int(ipmi_ctx_t, fiid_obj_t)>& command) {
  Fiid rs(fiid_obj_create(tmpl));
  if (!rs) return fail(ErrorCode::kInternal, "fiid_obj_create failed");
  if (command(ctx, rs.get()) < 0) {
    return fail(ErrorCode::kUnavailable, what + ": " + ctxError(ctx));
  }
  return rs;
}

uint8_t controlOf(PowerAction action) {
  switch (action) {
    case PowerAction::kOn:
      return IPMI_CHASSIS_CONTROL_POWER_UP;
    case PowerAction::kOff:
      return IPMI_CHASSIS_CONTROL_POWER_DOWN;
    case PowerAction::kCycle:
      return IPMI_CHASSIS_CONTROL_POWER_CYCLE;
    case PowerAction::kSoft:
      return IPMI_CHASSIS_CONTROL_INITIATE_SOFT_SHUTDOWN;
  }
  return IPMI_CHASSIS_CONTROL_POWER_UP;
}

uint8_t bootDeviceOf(BootDevice device) {
  switch (device) {
    case BootDevice::kPxe:
      return IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_FORCE_PXE;
    case BootDevice::kCdrom:
      return IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_FORCE_CD_DVD;
    case BootDevice::kDisk:
      return IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_FORCE_HARD_DRIVE;
  }
  return IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_DEVICE_NO_OVERRIDE;
}

}  // namespace

IpmiDriver::IpmiDriver(BmcAccess access) : access_(std::move(access)) {}

common::Status IpmiDriver::power(PowerAction action, Deadline deadline) {
  PHOTON_TRY(Ctx ctx, openSession(access_, deadline));
  if (action == PowerAction::kCycle) {
    // A power cycle of a machine that is off does nothing on many BMCs (the spec leaves it
    // open): a cycle means "start it afresh", so an off machine is switched on.
    PHOTON_TRY(Fiid st,
               run(ctx.get(), tmpl_cmd_get_chassis_status_rs, "get chassis status",
                   [](ipmi_ctx_t c, fiid_obj_t o) { return ipmi_cmd_get_chassis_status(c, o); }));
    uint64_t on = 1;
    if (fiid_obj_get(st.get(), "current_power_state.power_is_on", &on) >= 0 && !on) {
      action = PowerAction::kOn;
    }
  }
  uint8_t control = controlOf(action);
  PHOTON_TRY(Fiid rs, run(ctx.get(), tmpl_cmd_chassis_control_rs,
                          "chassis control " + std::string(toString(action)),
                          [control](ipmi_ctx_t c, fiid_obj_t o) {
                            return ipmi_cmd_chassis_control(c, control, o);
                          }));
  return {};
}

common::Result<PowerState> IpmiDriver::status(Deadline deadline) {
  PHOTON_TRY(Ctx ctx, openSession(access_, deadline));
  PHOTON_TRY(Fiid rs,
             run(ctx.get(), tmpl_cmd_get_chassis_status_rs, "get chassis status",
                 [](ipmi_ctx_t c, fiid_obj_t o) { return ipmi_cmd_get_chassis_status(c, o); }));
  uint64_t on = 0;
  if (fiid_obj_get(rs.get(), "current_power_state.power_is_on", &on) < 0) {
    return fail(ErrorCode::kUnavailable, "get chassis status: no power state in the reply");
  }
  return on ? PowerState::kOn : PowerState::kOff;
}

common::Status IpmiDriver::setBootDevice(BootDevice device, Deadline deadline) {
  PHOTON_TRY(Ctx ctx, openSession(access_, deadline));
  uint8_t boot_device = bootDeviceOf(device);
  PHOTON_TRY(Fiid rs, run(ctx.get(), tmpl_cmd_set_system_boot_options_rs,
                          "set boot device " + std::string(toString(device)),
                          [boot_device](ipmi_ctx_t c, fiid_obj_t o) {
                            return ipmi_cmd_set_system_boot_options_boot_flags(
                                c, IPMI_SYSTEM_BOOT_OPTIONS_PARAMETER_VALID_UNLOCKED,
                                IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_BOOT_TYPE_PC_COMPATIBLE,
                                IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_VALID_FOR_NEXT_BOOT,
                                IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_VALID,
                                IPMI_SYSTEM_BOOT_OPTION_DISABLE, IPMI_SYSTEM_BOOT_OPTION_DISABLE,
                                boot_device, IPMI_SYSTEM_BOOT_OPTION_DISABLE,
                                IPMI_SYSTEM_BOOT_OPTION_DISABLE,
                                IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_CONSOLE_REDIRECTION_DEFAULT,
                                IPMI_SYSTEM_BOOT_OPTION_DISABLE, IPMI_SYSTEM_BOOT_OPTION_DISABLE,
                                IPMI_SYSTEM_BOOT_OPTION_DISABLE,
                                IPMI_SYSTEM_BOOT_OPTION_BOOT_FLAG_FIRMWARE_BIOS_VERBOSITY_DEFAULT,
                                IPMI_SYSTEM_BOOT_OPTION_DISABLE, 0, 0, 0, o);
                          }));
  return {};
}

}  // namespace photon::coordinator::power
