#include "coordinator/power/power_types.h"

#include <array>
#include <utility>

namespace photon::coordinator::power {
namespace {

template <typename E, size_t N>
std::string_view nameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> parseName(const std::array<std::pair<E, std::string_view>, N>& table,
                           std::string_view text) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<PowerAction, std::string_view>, 4> kActions{{
    {PowerAction::kOn, "on"},
    {PowerAction::kOff, "off"},
    {PowerAction::kCycle, "cycle"},
    {PowerAction::kSoft, "soft"},
}};
constexpr std::array<std::pair<PowerState, std::string_view>, 3> kStates{{
    {PowerState::kOn, "on"},
    {PowerState::kOff, "off"},
    {PowerState::kUnknown, "unknown"},
}};
constexpr std::array<std::pair<BootDevice, std::string_view>, 3> kDevices{{
    {BootDevice::kPxe, "pxe"},
    {BootDevice::kCdrom, "cdrom"},
    {BootDevice::kDisk, "disk"},
}};

}  // namespace

std::string_view toString(PowerAction action) {
  return nameOf(kActions, action);
}
std::string_view toString(PowerState state) {
  return nameOf(kStates, state);
}
std::string_view toString(BootDevice device) {
  return nameOf(kDevices, device);
}
std::optional<PowerAction> parsePowerAction(std::string_view text) {
  return parseName(kActions, text);
}
std::optional<PowerState> parsePowerState(std::string_view text) {
  return parseName(kStates, text);
}
std::optional<BootDevice> parseBootDevice(std::string_view text) {
  return parseName(kDevices, text);
}

}  // namespace photon::coordinator::power
