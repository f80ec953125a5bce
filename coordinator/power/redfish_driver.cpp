#include "coordinator/power/redfish_driver.h"

#include <algorithm>

#include "common/validate.h"

namespace photon::coordinator::power {
namespace {

using common::ErrorCode;
using common::fail;

constexpr const char* kSystems = "/redfish/v1/Systems";

std::string stringAt(const common::Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string overrideTargetOf(BootDevice device) {
  switch (device) {
    case BootDevice::kPxe:
      return "Pxe";
    case BootDevice::kCdrom:
      return "Cd";
    case BootDevice::kDisk:
      return "Hdd";
  }
  return "None";
}

}  // namespace

std::string resetTypeFor(PowerAction action, const std::vector<std::string>& allowed) {
  auto allows = [&](const std::string& t) {
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), t) != allowed.end();
  };
  // In order of preference: a cycle is PowerCycle where the BMC has it, else a hard restart.
  std::vector<std::string> choices;
  switch (action) {
    case PowerAction::kOn:
      choices = {"On", "ForceOn"};
      break;
    case PowerAction::kOff:
      choices = {"ForceOff"};
      break;
    case PowerAction::kCycle:
      choices = {"PowerCycle", "ForceRestart"};
      break;
    case PowerAction::kSoft:
      choices = {"GracefulShutdown"};
      break;
  }
  for (const auto& c : choices) {
    if (allows(c)) return c;
  }
  return "";
}

PowerState powerStateOf(const std::string& redfish_state) {
  // PoweringOn still draws power; PoweringOff is on until it is off.
  if (redfish_state == "On" || redfish_state == "PoweringOn" || redfish_state == "PoweringOff") {
    return PowerState::kOn;
  }
  if (redfish_state == "Off") return PowerState::kOff;
  return PowerState::kUnknown;
}

RedfishDriver::RedfishDriver(BmcAccess access) : access_(access), client_(access_) {}

common::Result<std::string> RedfishDriver::systemPath(Deadline deadline) {
  if (!access_.system_id.empty()) return std::string(kSystems) + "/" + access_.system_id;
  PHOTON_TRY(RedfishReply systems, client_.get(kSystems, deadline));
  const auto members =
      systems.body.is_object() ? systems.body.value("Members", common::Json()) : common::Json();
  if (!members.is_array() || members.size() != 1 || !members[0].is_object()) {
    return fail(ErrorCode::kInvalid, std::string(kSystems) + " lists " +
                                         std::to_string(members.is_array() ? members.size() : 0) +
                                         " systems: set the BMC's system_id");
  }
  std::string path = stringAt(members[0], "@odata.id");
  if (path.rfind("/redfish/v1/", 0) != 0) {
    return fail(ErrorCode::kUnavailable, std::string(kSystems) + ": a member without @odata.id");
  }
  return path;
}

common::Result<PowerState> RedfishDriver::status(Deadline deadline) {
  PHOTON_TRY(std::string path, systemPath(deadline));
  PHOTON_TRY(RedfishReply system, client_.get(path, deadline));
  if (!system.body.is_object()) return fail(ErrorCode::kUnavailable, "GET " + path + ": no JSON");
  std::string state = stringAt(system.body, "PowerState");
  PowerState out = powerStateOf(state);
  if (out == PowerState::kUnknown) {
    return fail(ErrorCode::kUnavailable,
                "GET " + path + ": PowerState '" + state.substr(0, 32) + "' is not On or Off");
  }
  return out;
}

common::Status RedfishDriver::power(PowerAction action, Deadline deadline) {
  PHOTON_TRY(std::string path, systemPath(deadline));
  PHOTON_TRY(RedfishReply system, client_.get(path, deadline));
  // The action's target and allowed reset types, as the system document states them.
  std::string target = path + "/Actions/ComputerSystem.Reset";
  std::vector<std::string> allowed;
  if (system.body.is_object()) {
    auto actions = system.body.value("Actions", common::Json::object());
    auto reset = actions.is_object() ? actions.value("#ComputerSystem.Reset", common::Json())
                                     : common::Json();
    if (reset.is_object()) {
      if (auto t = stringAt(reset, "target"); t.rfind("/redfish/v1/", 0) == 0) target = t;
      auto values = reset.value("ResetType@Redfish.AllowableValues", common::Json::array());
      for (const auto& v : values) {
        if (v.is_string()) allowed.push_back(v.get<std::string>());
      }
    }
  }
  if (action == PowerAction::kCycle &&
      powerStateOf(stringAt(system.body, "PowerState")) == PowerState::kOff) {
    action = PowerAction::kOn;  // a cycle starts an off machine afresh (as with IPMI)
  }
  std::string reset_type = resetTypeFor(action, allowed);
  if (reset_type.empty()) {
    return fail(ErrorCode::kInvalid,
                "the BMC allows no ResetType for '" + std::string(toString(action)) + "'");
  }
  PHOTON_TRY(RedfishReply done, client_.post(target, {{"ResetType", reset_type}}, deadline));
  return {};
}

common::Status RedfishDriver::setBootDevice(BootDevice device, Deadline deadline) {
  PHOTON_TRY(std::string path, systemPath(deadline));
  common::Json boot{{"Boot",
                     {{"BootSourceOverrideTarget", overrideTargetOf(device)},
                      {"BootSourceOverrideEnabled", "Once"}}}};
  PHOTON_TRY(RedfishReply done, client_.patch(path, boot, deadline));
  return {};
}

}  // namespace photon::coordinator::power
