// QMP, the QEMU Machine Protocol, as pure functions: one JSON object per line; a greeting, then
// replies ({"return"} or {"error"}) carrying the "id" of their command, interleaved with events.
// Also the parsing of the replies the VM reconciler reads (query-status, qom-list).
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

enum class QmpKind { kGreeting, kReturn, kError, kEvent };

struct QmpMessage {
  QmpKind kind = QmpKind::kReturn;
  std::string id;           // kReturn / kError: the id of the command answered
  common::Json value;       // kReturn: "return"; kEvent: "data"; kGreeting: "QMP"
  std::string error_class;  // kError
  std::string error_desc;   // kError
  std::string event;        // kEvent: its name, e.g. "DEVICE_DELETED"
};

[[nodiscard]] common::Result<QmpMessage> parseQmpMessage(std::string_view line);

// {"execute": command, "arguments": args (left out when null), "id": id}, newline-terminated.
std::string encodeQmpCommand(const std::string& command, const common::Json& args,
                             const std::string& id);

// query-status's return -> its "status" ("running", "paused", "prelaunch", "shutdown", ...).
[[nodiscard]] common::Result<std::string> parseRunState(const common::Json& ret);

// qom-list of /machine/peripheral -> the ids of the devices created with an id (root ports,
// disks, NICs). Unlike query-pci this does not wait for the firmware to number the buses.
[[nodiscard]] common::Result<std::set<std::string>> parsePeripherals(const common::Json& ret);

// The device a DEVICE_DELETED event is about, or "" for the backend one
// ({"path": ".../virtio-backend"} without "device") that comes first.
std::string deletedDeviceId(const common::Json& data);

}  // namespace photon::agent
