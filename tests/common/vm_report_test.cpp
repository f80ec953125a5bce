// The VM report's writer and reader (common/api/vm_report.h): what the agent writes reads back
// equal, a stored report is read strictly, and an unknown status names its field.
#include "common/api/vm_report.h"

#include <catch2/catch.hpp>

using namespace photon::common;

namespace {

VmsReport sample() {
  VmReport running{.name = "web",
                   .status = VmStatus::kRunning,
                   .pid = 4242,
                   .devices = {"d1", "nic0"},
                   .pending_unplug = {"d2"},
                   .restarts = 2,
                   .reset_events = 1,
                   .pending_restart = {"memory_mb"},
                   .last_shutdown = VmShutdown{.guest = true, .reason = "guest-shutdown"},
                   .error = "device_add d3: bus full"};
  VmReport crashed{.name = "db", .status = VmStatus::kCrashed, .restarts = 5};
  return {.accel = "tcg", .vms = {running, crashed}, .error = ""};
}

}  // namespace

TEST_CASE("vm report: every field the agent writes round-trips through its JSON", "[common]") {
  VmsReport report = sample();
  auto back = vmsReportFromJson(toJson(report), "vms");
  REQUIRE(back);
  CHECK(*back == report);

  Json wire = toJson(report);
  CHECK(wire["vms"][0]["status"] == "running");  // the names the agent always sent
  CHECK(wire["vms"][1]["status"] == "crashed");
  CHECK(wire["vms"][0]["last_shutdown"]["guest"] == true);
  CHECK_FALSE(wire["vms"][1].contains("last_shutdown"));
}

TEST_CASE("vm report: the coordinator reads it from a stored observed document", "[common]") {
  Json observed = {{"domains", {{"vms", toJson(sample())}}}, {"reported_at", 1}};
  auto read = vmsReportFromObserved(observed);
  REQUIRE(read);
  REQUIRE(read->has_value());
  CHECK(**read == sample());

  auto none = vmsReportFromObserved(Json{{"domains", {{"units", Json::object()}}}});
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
}

TEST_CASE("vm report: an unknown status is an error that names the field", "[common]") {
  Json observed = {{"domains", {{"vms", toJson(sample())}}}};
  observed["domains"]["vms"]["vms"][1]["status"] = "zombie";
  auto read = vmsReportFromObserved(observed);
  REQUIRE_FALSE(read);
  CHECK(read.error().field == "domains.vms.vms[1].status");
  CHECK(read.error().message.find("unknown value 'zombie'") != std::string::npos);

  observed["domains"]["vms"]["vms"][1]["status"] = "crashed";
  observed["domains"]["vms"]["vms"][0]["pid"] = "42";
  auto pid = vmsReportFromObserved(observed);
  REQUIRE_FALSE(pid);
  CHECK(pid.error().field == "domains.vms.vms[0].pid");
}
