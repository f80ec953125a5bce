// The BGP report's writer and reader (common/api/bgp_report.h): what the agent writes reads back
// equal, and an unknown session or config state is an error naming its field.
#include "common/api/bgp_report.h"

#include <catch2/catch.hpp>

using namespace photon::common;

namespace {

BgpReport sample() {
  return {.config = BgpConfigState::kApplied,
          .announced = {"10.0.100.1/32"},
          .withdrawn = {{.address = "10.0.100.2/32", .service = "db", .reason = "unhealthy"}},
          .sessions = {{.name = "tor",
                        .neighbor = "10.77.0.1",
                        .protocol_state = "up",
                        .since = "2026-11-22 03:44:39.692",
                        .info = "Established",
                        .session = BgpSessionState::kEstablished},
                       {.name = "rr",
                        .neighbor = "10.77.0.2",
                        .protocol_state = "start",
                        .info = "Active Socket: Connection refused",
                        .session = BgpSessionState::kActive}},
          .errors = {"netlink: permission denied"},
          .desired_error = "must be an IPv4 address",
          .desired_field = "bgp.vips[0].address"};
}

}  // namespace

TEST_CASE("bgp report: every field the agent writes round-trips through its JSON", "[common]") {
  auto back = bgpReportFromJson(toJson(sample()), "bgp");
  REQUIRE(back);
  CHECK(*back == sample());

  BgpReport unconfigured;
  Json wire = toJson(unconfigured);
  CHECK(wire == Json{{"state", "unconfigured"}});  // as the agent always sent it
  auto unconfigured_back = bgpReportFromJson(wire, "bgp");
  REQUIRE(unconfigured_back);
  CHECK(*unconfigured_back == unconfigured);
}

TEST_CASE("bgp report: a session's state is BIRD's first word of its info column", "[common]") {
  CHECK(sessionStateOf("Established") == BgpSessionState::kEstablished);
  CHECK(sessionStateOf("Active Socket: Connection refused") == BgpSessionState::kActive);
  CHECK_FALSE(sessionStateOf(""));
  CHECK_FALSE(sessionStateOf("Passive"));
  Json wire = toJson(sample());
  CHECK(wire["sessions"][0]["established"] == true);
  CHECK(wire["sessions"][1]["established"] == false);
  CHECK(wire["sessions"][1]["session_state"] == "Active");
}

TEST_CASE("bgp report: an unknown session or config state is an error that names the field",
          "[common]") {
  Json wire = toJson(sample());
  wire["sessions"][1]["session_state"] = "Dancing";
  auto session = bgpReportFromJson(wire, "domains.bgp");
  REQUIRE_FALSE(session);
  CHECK(session.error().field == "domains.bgp.sessions[1].session_state");
  CHECK(session.error().message.find("unknown value 'Dancing'") != std::string::npos);

  wire = toJson(sample());
  wire["config"] = "half";
  auto config = bgpReportFromJson(wire, "domains.bgp");
  REQUIRE_FALSE(config);
  CHECK(config.error().field == "domains.bgp.config");
}

TEST_CASE("bgp report: the bgp domain of a whole observed document, none when not reported",
          "[common]") {
  Json observed = {{"domains", {{"bgp", toJson(sample())}, {"units", Json::object()}}}};
  auto read = bgpReportFromObserved(observed);
  REQUIRE(read);
  REQUIRE(read->has_value());
  CHECK(**read == sample());

  auto none = bgpReportFromObserved(Json{{"domains", {{"units", Json::object()}}}});
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  CHECK_FALSE(bgpReportFromObserved(Json::object())->has_value());

  observed["domains"]["bgp"]["sessions"][0]["session_state"] = "Dancing";
  auto bad = bgpReportFromObserved(observed);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "domains.bgp.sessions[0].session_state");
}
