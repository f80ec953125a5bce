// The words of power control: what an operator asks a BMC (an action, a boot device) and what
// it answers (a power state), each with one name table to and from its wire string.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace photon::coordinator::power {

enum class PowerAction { kOn, kOff, kCycle, kSoft };
enum class PowerState { kOn, kOff, kUnknown };
// The next boot only ("once"): an installer ISO as a CD, the network, or the installed disk.
enum class BootDevice { kPxe, kCdrom, kDisk };

std::string_view toString(PowerAction action);
std::string_view toString(PowerState state);
std::string_view toString(BootDevice device);
std::optional<PowerAction> parsePowerAction(std::string_view text);
std::optional<PowerState> parsePowerState(std::string_view text);
std::optional<BootDevice> parseBootDevice(std::string_view text);

// Every BMC call has one: a driver never waits past it.
using Deadline = std::chrono::steady_clock::time_point;

// What is left of `deadline`, never negative.
inline std::chrono::milliseconds remaining(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

}  // namespace photon::coordinator::power
