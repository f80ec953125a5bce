#include "agent/vms/qmp_protocol.h"

namespace photon::agent {
namespace {

using common::Json;

common::Status walkBus(const Json& bus, PciTopology& out, const std::string& parent_port,
                       int depth) {
  // PCIe hierarchies are shallow; the bound keeps a malformed reply from recursing far.
  if (depth > 8) return common::fail(common::ErrorCode::kInternal, "query-pci: nested too deep");
  if (!bus.is_object() || !bus.contains("devices") || !bus["devices"].is_array()) {
    return common::fail(common::ErrorCode::kInternal, "query-pci: bus without a device list");
  }
  for (const auto& dev : bus["devices"]) {
    if (!dev.is_object()) continue;
    std::string id = dev.value("qdev_id", "");
    if (!id.empty()) {
      out.devices.insert(id);
      if (!parent_port.empty()) out.ports[parent_port] = id;
    }
    if (dev.contains("pci_bridge") && dev["pci_bridge"].is_object() &&
        dev["pci_bridge"].contains("bus")) {
      if (!id.empty()) out.ports.emplace(id, "");
      PHOTON_CHECK(walkBus(dev["pci_bridge"]["bus"], out, id, depth + 1));
    }
  }
  return {};
}

}  // namespace

common::Result<QmpMessage> parseQmpMessage(std::string_view line) {
  Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return common::fail(common::ErrorCode::kInternal, "QMP: not a JSON object");
  }
  QmpMessage m;
  if (j.contains("id")) {
    m.id = j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump();
  }
  if (j.contains("QMP")) {
    m.kind = QmpKind::kGreeting;
    m.value = j["QMP"];
  } else if (j.contains("return")) {
    m.kind = QmpKind::kReturn;
    m.value = j["return"];
  } else if (j.contains("error")) {
    m.kind = QmpKind::kError;
    const Json& e = j["error"];
    if (e.is_object()) {
      m.error_class = e.value("class", "");
      m.error_desc = e.value("desc", "");
    }
  } else if (j.contains("event") && j["event"].is_string()) {
    m.kind = QmpKind::kEvent;
    m.event = j["event"].get<std::string>();
    m.value = j.contains("data") ? j["data"] : Json::object();
  } else {
    return common::fail(common::ErrorCode::kInternal, "QMP: unknown message");
  }
  return m;
}

std::string encodeQmpCommand(const std::string& command, const Json& args,
                             const std::string& id) {
  Json j = {{"execute", command}, {"id", id}};
  if (!args.is_null()) j["arguments"] = args;
  return j.dump() + "\n";
}

common::Result<std::string> parseRunState(const Json& ret) {
  if (!ret.is_object() || !ret.contains("status") || !ret["status"].is_string()) {
    return common::fail(common::ErrorCode::kInternal, "query-status: no status");
  }
  return ret["status"].get<std::string>();
}

common::Result<PciTopology> parsePciTopology(const Json& ret) {
  if (!ret.is_array()) return common::fail(common::ErrorCode::kInternal, "query-pci: not a list");
  PciTopology out;
  for (const auto& bus : ret) PHOTON_CHECK(walkBus(bus, out, "", 0));
  return out;
}

std::string deletedDeviceId(const Json& data) {
  if (!data.is_object() || !data.contains("device") || !data["device"].is_string()) return "";
  return data["device"].get<std::string>();
}

}  // namespace photon::agent
