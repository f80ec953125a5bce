#include "agent/facts/bmc_inband.h"

#include <sys/stat.h>

#include <cstdio>

#include "common/freeipmi_handles.h"

namespace photon::agent {
namespace {

using common::ErrorCode;
using common::fail;

using Ctx = common::IpmiCtx;
using common::Fiid;
const auto ctxError = common::ipmiCtxError;

using GetParameter = int (*)(ipmi_ctx_t, uint8_t, uint8_t, uint8_t, uint8_t, fiid_obj_t);

// One Get LAN Configuration Parameters command of `channel`; its reply has the template `tmpl`.
common::Result<Fiid> getParameter(ipmi_ctx_t ctx, uint8_t channel, fiid_template_t tmpl,
                                  GetParameter command, const char* what) {
  Fiid rs(fiid_obj_create(tmpl));
  if (!rs) return fail(ErrorCode::kInternal, "fiid_obj_create failed");
  if (command(ctx, channel, IPMI_GET_LAN_PARAMETER,
              IPMI_LAN_CONFIGURATION_PARAMETERS_NO_SET_SELECTOR,
              IPMI_LAN_CONFIGURATION_PARAMETERS_NO_BLOCK_SELECTOR, rs.get()) < 0) {
    return fail(ErrorCode::kUnavailable,
                std::string("BMC LAN parameter ") + what + ": " + ctxError(ctx));
  }
  return rs;
}

// A reply's fixed-size field, all of it.
common::Status readField(const Fiid& rs, const char* field, uint8_t* out, size_t size,
                         const char* what) {
  if (fiid_obj_get_data(rs.get(), field, out, size) != static_cast<int>(size)) {
    return fail(ErrorCode::kUnavailable,
                std::string("BMC LAN parameter ") + what + ": short reply");
  }
  return {};
}

std::string sourceName(uint64_t source) {
  switch (source) {
    case IPMI_IP_ADDRESS_SOURCE_STATIC:
      return "static";
    case IPMI_IP_ADDRESS_SOURCE_DHCP:
      return "dhcp";
    case IPMI_IP_ADDRESS_SOURCE_BIOS:
      return "bios";
    case IPMI_IP_ADDRESS_SOURCE_OTHER:
      return "other";
    default:
      return "unspecified";
  }
}

}  // namespace

common::Result<common::BmcFacts> queryBmcLan(ipmi_ctx* ctx) {
  common::BmcFacts out;
  // The LAN channel is whichever the BMC says is 802.3 (1 on most boards, not on all); a BMC that
  // does not answer Get Channel Info is asked on channel 1, where ipmitool and ipmi-config look
  // by default.
  uint8_t channel = 1;
  if (ipmi_get_channel_number(ctx, IPMI_CHANNEL_MEDIUM_TYPE_LAN_802_3, &channel) < 0) channel = 1;
  out.channel = channel;

  PHOTON_TRY(Fiid mac_rs,
             getParameter(ctx, channel, tmpl_cmd_get_lan_configuration_parameters_mac_address_rs,
                          ipmi_cmd_get_lan_configuration_parameters_mac_address, "MAC address"));
  uint8_t mac[6] = {};
  PHOTON_CHECK(readField(mac_rs, "mac_address", mac, sizeof mac, "MAC address"));
  // All zeros: a LAN channel that was never set up (ipmi_sim without a lan_config_program,
  // boards with the LAN port disabled) has no MAC to report.
  if (mac[0] || mac[1] || mac[2] || mac[3] || mac[4] || mac[5]) {
    char text[18];
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
                  mac[3], mac[4], mac[5]);
    out.mac = text;
  }

  PHOTON_TRY(Fiid ip_rs,
             getParameter(ctx, channel, tmpl_cmd_get_lan_configuration_parameters_ip_address_rs,
                          ipmi_cmd_get_lan_configuration_parameters_ip_address, "IP address"));
  uint8_t ip[4] = {};
  PHOTON_CHECK(readField(ip_rs, "ip_address", ip, sizeof ip, "IP address"));
  // 0.0.0.0: the BMC has no address (DHCP not answered yet, or LAN access not set up).
  if (ip[0] || ip[1] || ip[2] || ip[3]) {
    char dotted[16];
    std::snprintf(dotted, sizeof dotted, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
    out.address = dotted;
  }

  // The source is a nicety: a BMC that will not say keeps the address and MAC it gave.
  auto source_rs = getParameter(
      ctx, channel, tmpl_cmd_get_lan_configuration_parameters_ip_address_source_rs,
      ipmi_cmd_get_lan_configuration_parameters_ip_address_source, "IP address source");
  uint64_t source = 0;
  if (source_rs && fiid_obj_get(source_rs->get(), "ip_address_source", &source) == 1) {
    out.address_source = sourceName(source);
  }
  return out;
}

common::Result<common::BmcFacts> readInbandBmc(const std::string& device) {
  struct stat st {};
  if (::stat(device.c_str(), &st) != 0) {
    return fail(ErrorCode::kNotFound, "no IPMI device at " + device);
  }
  Ctx ctx(ipmi_ctx_create());
  if (!ctx) return fail(ErrorCode::kInternal, "ipmi_ctx_create failed");
  if (ipmi_ctx_open_inband(ctx.get(), IPMI_DEVICE_OPENIPMI, 0, 0, 0, device.c_str(), 0,
                           IPMI_FLAGS_DEFAULT) < 0) {
    return fail(ErrorCode::kUnavailable, "IPMI device " + device + ": " + ctxError(ctx.get()));
  }
  return queryBmcLan(ctx.get());
}

}  // namespace photon::agent
