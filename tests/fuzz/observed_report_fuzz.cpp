// PUT /api/v1/nodes/{id}/observed: what a node's token may send. The lifecycle part
// (common/api/install_report.cpp), and the parts other domains read back from the
// stored report: the typed units, VM and BGP readers (common/api/*_report.cpp: the node view,
// photonctl, /metrics) and placement's view of the node's units (coordinator/placement/world.cpp).
#include "common/api/bgp_report.h"
#include "common/api/install_report.h"
#include "common/api/units_report.h"
#include "common/api/vm_report.h"
#include "coordinator/placement/world.h"
#include "tests/fuzz/fuzz_support.h"

using namespace photon;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto body = common::parseJsonBody(fuzz::asText(data, size));
  if (!body) return 0;
  auto report = common::installReportFromObserved(*body);
  if (!report) return 0;
  common::Json stored = *body;
  stored["reported_at"] = 1;
  fuzz::mustDump(stored);
  // Each reader refuses with an error or gives what writes back whole.
  if (auto bgp = common::bgpReportFromObserved(stored); bgp && *bgp) {
    fuzz::mustDump(common::toJson(**bgp));
  }
  if (auto vms = common::vmsReportFromObserved(stored); vms && *vms) {
    fuzz::mustDump(common::toJson(**vms));
  }
  if (auto instances = common::unitsReportFromObserved(stored)) {
    for (const auto& i : *instances) fuzz::mustDump(common::toJson(i));
  }
  // Unreadable is an answer; a readable report must yield a health for each instance.
  auto units = coordinator::placement::parseObservedUnits(stored);
  if (!units) return 0;
  for (const auto& [name, o] : *units) {
    (void)coordinator::placement::healthOf(o, "1");
  }
  return 0;
}
