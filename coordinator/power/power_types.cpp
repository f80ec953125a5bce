#include "coordinator/power/power_types.h"

#include <array>
#include <utility>

#include "common/api/name_table.h"

// The wire names of the power enums, as every enum that crosses the wire has them
// (common/api/name_table.h).
namespace photon::common {
template <>
struct EnumNames<coordinator::power::PowerAction> {
  static constexpr std::array<std::pair<coordinator::power::PowerAction, std::string_view>, 4>
      kNames{{
          {coordinator::power::PowerAction::kOn, "on"},
          {coordinator::power::PowerAction::kOff, "off"},
          {coordinator::power::PowerAction::kCycle, "cycle"},
          {coordinator::power::PowerAction::kSoft, "soft"},
      }};
};

template <>
struct EnumNames<coordinator::power::PowerState> {
  static constexpr std::array<std::pair<coordinator::power::PowerState, std::string_view>, 3>
      kNames{{
          {coordinator::power::PowerState::kOn, "on"},
          {coordinator::power::PowerState::kOff, "off"},
          {coordinator::power::PowerState::kUnknown, "unknown"},
      }};
};

template <>
struct EnumNames<coordinator::power::BootDevice> {
  static constexpr std::array<std::pair<coordinator::power::BootDevice, std::string_view>, 3>
      kNames{{
          {coordinator::power::BootDevice::kPxe, "pxe"},
          {coordinator::power::BootDevice::kCdrom, "cdrom"},
          {coordinator::power::BootDevice::kDisk, "disk"},
      }};
};
}  // namespace photon::common

namespace photon::coordinator::power {

std::string_view toString(PowerAction action) {
  return common::enumName(action);
}
std::string_view toString(PowerState state) {
  return common::enumName(state);
}
std::string_view toString(BootDevice device) {
  return common::enumName(device);
}
std::optional<PowerAction> parsePowerAction(std::string_view text) {
  return common::parseEnum<PowerAction>(text);
}
std::optional<PowerState> parsePowerState(std::string_view text) {
  return common::parseEnum<PowerState>(text);
}
std::optional<BootDevice> parseBootDevice(std::string_view text) {
  return common::parseEnum<BootDevice>(text);
}

}  // namespace photon::coordinator::power
