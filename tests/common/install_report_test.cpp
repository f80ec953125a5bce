// The install report's writer and reader (common/api/install_report.h): the bootstrapper's
// report reads back equal, and an unknown phase is an error naming its field.
#include "common/api/install_report.h"

#include <catch2/catch.hpp>

using namespace photon::common;

TEST_CASE("install report: every phase round-trips through its JSON", "[common]") {
  for (const auto& [phase, name] : EnumNames<InstallPhase>::kNames) {
    InstallReport report{.phase = phase, .error = phase == InstallPhase::kFailed ? "disko" : ""};
    Json observed = {{"install", toJson(report)}, {"agent_version", "t"}};
    CHECK(observed["install"]["phase"] == name);
    auto back = installReportFromObserved(observed);
    REQUIRE(back);
    REQUIRE(back->has_value());
    CHECK(**back == report);
  }
  auto none = installReportFromObserved(Json{{"agent_version", "t"}});
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
}

TEST_CASE("install report: an unknown phase is an error that names the field", "[common]") {
  auto bad = installReportFromObserved(Json{{"install", {{"phase", "rebooting"}}}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "install.phase");
  CHECK(bad.error().message.find("unknown value 'rebooting'") != std::string::npos);
  auto not_object = installReportFromObserved(Json::array());
  REQUIRE_FALSE(not_object);
  CHECK(not_object.error().field == "body");
}
