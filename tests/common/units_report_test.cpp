// The units report's one writer and one reader (common/api/units_report.h): every field the agent
// fills comes back equal, and what the reader refuses names its field.
#include "common/api/units_report.h"

#include <catch2/catch.hpp>

using namespace photon::common;

namespace {

UnitsReport fullReport() {
  UnitStatus status{.sub_state = "running",
                    .main_pid = 4242,
                    .n_restarts = 3,
                    .exec_main_status = -9,
                    .memory_max = 64u << 20,
                    .cpu_quota_per_sec_usec = std::nullopt};
  InstanceReport running{.name = "web-1",
                         .state = InstanceState::kActive,
                         .health = InstanceHealth::kStarting,
                         .revision = "7",
                         .error = "restart: unit failed",
                         .unit = "photon-web-1.service",
                         .status = status,
                         .desired_revision = "8",
                         .health_error = "connect: refused"};
  InstanceReport refused{.name = "web-2",
                         .state = InstanceState::kRefused,
                         .error = "must be an absolute path",
                         .field = "units[1].exec[0]",
                         .running = RunningUnit{.unit = "photon-web-2.service",
                                                .state = InstanceState::kFailed,
                                                .revision = "3",
                                                .status = status}};
  InstanceReport missing{.name = "web-3",
                         .state = InstanceState::kInactive,
                         .unit = "photon-web-3.service",
                         .desired_revision = "1"};
  return {.instances = {running, refused, missing}};
}

}  // namespace

TEST_CASE("units report: every field of the agent's report round-trips through its JSON",
          "[common]") {
  UnitsReport report = fullReport();
  auto back = unitsReportFromJson(toJson(report), "units");
  REQUIRE(back);
  CHECK(*back == report);

  UnitsReport failed{.error = "list units: bus closed", .field = ""};
  auto failed_back = unitsReportFromJson(toJson(failed), "units");
  REQUIRE(failed_back);
  CHECK(*failed_back == failed);
}

TEST_CASE("units report: the wire keeps the unit's status beside the instance's fields",
          "[common]") {
  Json j = toJson(fullReport());
  const Json& first = j["instances"][0];
  CHECK(first["unit"] == "photon-web-1.service");
  CHECK(first["main_pid"] == 4242);
  CHECK(first["sub_state"] == "running");
  CHECK(first["cpu_quota_per_sec_usec"].is_null());  // infinity
  CHECK(j["instances"][1]["running"]["state"] == "failed");
  CHECK_FALSE(j["instances"][2].contains("main_pid"));  // no unit loaded: no status
  CHECK_FALSE(j.contains("error"));
}

TEST_CASE("units report: a wrong field of an entry is an error that names it", "[common]") {
  Json j = toJson(fullReport());
  j["instances"][0]["main_pid"] = -1;
  auto pid = unitsReportFromJson(j, "units");
  REQUIRE_FALSE(pid);
  CHECK(pid.error().field == "units.instances[0].main_pid");

  j = toJson(fullReport());
  j["instances"][1]["running"]["state"] = "zombie";
  auto state = unitsReportFromJson(j, "units");
  REQUIRE_FALSE(state);
  CHECK(state.error().field == "units.instances[1].running.state");

  j = toJson(fullReport());
  j["instances"][0]["health_error"] = std::string(5000, 'x');
  auto long_error = unitsReportFromJson(j, "units");
  REQUIRE(long_error);  // cut, not refused
  CHECK(long_error->instances[0].health_error.size() == kMaxReportedError + 3);
}
