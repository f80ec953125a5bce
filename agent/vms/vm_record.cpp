#include "agent/vms/vm_record.h"

namespace photon::agent {

using common::Json;

Json toJson(const VmRecord& r) {
  Json j = {{"pid", r.pid},
            {"running_expected", r.running_expected},
            {"down_reason", r.down_reason},
            {"restarts", r.restarts},
            {"reset_generation", r.reset_generation},
            {"powerdown_at", r.powerdown_at},
            {"attached", Json::object()},
            {"ports", r.ports},
            {"pending_unplug", r.pending_unplug}};
  if (r.uid != 0) j["uid"] = r.uid;
  if (r.booted) j["booted"] = toJson(*r.booted);
  for (const auto& [id, spec] : r.attached) j["attached"][id] = spec;
  return j;
}

common::Result<VmRecord> parseVmRecord(const Json& j) {
  if (!j.is_object()) return common::invalid("vm.json", "must be an object");
  VmRecord r;
  try {
    if (j.contains("booted")) {
      // Paths were checked when the spec arrived; here any absolute path is accepted.
      PHOTON_TRY(VmSpec spec, parseVmSpec(j["booted"], "booted", VmLimits{{"/"}, 0}));
      r.booted = std::move(spec);
    }
    r.pid = j.value("pid", 0);
    r.running_expected = j.value("running_expected", false);
    r.down_reason = j.value("down_reason", "");
    r.restarts = j.value("restarts", int64_t{0});
    r.reset_generation = j.value("reset_generation", int64_t{0});
    r.powerdown_at = j.value("powerdown_at", int64_t{0});
    r.uid = j.value("uid", uint32_t{0});
    if (j.contains("attached")) {
      for (const auto& [id, spec] : j["attached"].items()) r.attached[id] = spec;
    }
    if (j.contains("ports")) r.ports = j["ports"].get<std::map<std::string, std::string>>();
    if (j.contains("pending_unplug")) {
      r.pending_unplug = j["pending_unplug"].get<std::set<std::string>>();
    }
  } catch (const Json::exception& e) {
    return common::invalid("vm.json", e.what());
  }
  return r;
}

}  // namespace photon::agent
