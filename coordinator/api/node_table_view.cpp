#include "coordinator/api/node_table_view.h"

namespace photon::coordinator {

using common::Json;

namespace {
// Facts of the same shape as the full view's, with what the table reads: cores and model, the
// memory, each disk's size (the count and the total), each NIC's MAC and the DMI fields (the
// search).
Json tableFacts(const common::Facts& f) {
  Json disks = Json::array();
  for (const auto& d : f.disks) disks.push_back({{"size_bytes", d.size_bytes}});
  Json nics = Json::array();
  for (const auto& n : f.nics) nics.push_back({{"mac", n.mac}});
  return {
      {"cpu", {{"model", f.cpu.model}, {"cores", f.cpu.cores}}},
      {"memory_bytes", f.memory_bytes},
      {"disks", std::move(disks)},
      {"nics", std::move(nics)},
      {"dmi", {{"vendor", f.dmi.vendor}, {"product", f.dmi.product}, {"serial", f.dmi.serial}}}};
}
}  // namespace

Json nodeTableView(const common::Node& n, const std::string& liveness, const Json& power) {
  Json out = {{"id", n.id},
              {"machine_id", n.machine_id},
              {"hostname", n.hostname},
              {"state", common::toString(n.state)},
              {"class", n.class_name},
              {"pool", n.pool},
              {"labels", n.labels},
              {"facts", tableFacts(n.facts)},
              {"address", n.address},
              {"state_since", n.state_since},
              {"drained_by", n.drained_by},
              {"liveness", liveness},
              {"power", nullptr}};
  if (power.is_object() && power.contains("state")) out["power"] = {{"state", power["state"]}};
  return out;
}

}  // namespace photon::coordinator
