#include "agent/vms/qmp_protocol.h"
#include "common/json_dump.h"

namespace photon::agent {

using common::Json;

common::Result<QmpMessage> parseQmpMessage(std::string_view line) {
  Json j = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return common::fail(common::ErrorCode::kInternal, "QMP: not a JSON object");
  }
  QmpMessage m;
  if (j.contains("id")) {
    m.id = j["id"].is_string() ? j["id"].get<std::string>() : common::dumpJson(j["id"]);
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
    // Read only when they are strings: value() throws on another type, and a guest's QEMU
    // is not trusted to send what the schema says.
    if (e.is_object()) {
      if (auto c = e.find("class"); c != e.end() && c->is_string()) m.error_class = *c;
      if (auto d = e.find("desc"); d != e.end() && d->is_string()) m.error_desc = *d;
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

std::string encodeQmpCommand(const std::string& command, const Json& args, const std::string& id) {
  Json j = {{"execute", command}, {"id", id}};
  if (!args.is_null()) j["arguments"] = args;
  return common::dumpJson(j) + "\n";
}

common::Result<std::string> parseRunState(const Json& ret) {
  if (!ret.is_object() || !ret.contains("status") || !ret["status"].is_string()) {
    return common::fail(common::ErrorCode::kInternal, "query-status: no status");
  }
  return ret["status"].get<std::string>();
}

common::Result<std::set<std::string>> parsePeripherals(const Json& ret) {
  if (!ret.is_array()) return common::fail(common::ErrorCode::kInternal, "qom-list: not a list");
  std::set<std::string> out;
  for (const auto& prop : ret) {
    if (!prop.is_object() || !prop.contains("name") || !prop.contains("type")) continue;
    if (!prop["name"].is_string() || !prop["type"].is_string()) continue;
    // Children are the devices; "type" and other plain properties are not.
    if (prop["type"].get<std::string>().rfind("child<", 0) == 0) {
      out.insert(prop["name"].get<std::string>());
    }
  }
  return out;
}

std::string deletedDeviceId(const Json& data) {
  if (!data.is_object() || !data.contains("device") || !data["device"].is_string()) return "";
  return data["device"].get<std::string>();
}

}  // namespace photon::agent
