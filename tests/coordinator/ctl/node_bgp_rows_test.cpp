// photonctl node show's BGP lines (coordinator/ctl/node_bgp_rows.h) from hand-made API answers:
// the report is read strictly, and what does not read is a line naming the field.
#include "coordinator/ctl/node_bgp_rows.h"

#include <catch2/catch.hpp>

#include "common/api/bgp_report.h"

using photon::common::Json;
using photon::ctl::nodeBgpRows;
namespace common = photon::common;

namespace {

Json reportView() {
  common::BgpReport r{
      .config = common::BgpConfigState::kPending,
      .announced = {"10.0.9.1/32", "10.0.9.3/32"},
      .sessions = {{.name = "tor", .neighbor = "10.0.1.1", .protocol_state = "down", .info = ""}},
      .errors = {"netlink: permission denied"},
      .desired_error = "must be an IPv4 address",
      .desired_field = "bgp.vips[0].address"};
  return Json{{"report", common::toJson(r)}};
}

}  // namespace

TEST_CASE("node bgp rows: a report gives its summary, sessions, VIPs and errors", "[bgp]") {
  auto rows = nodeBgpRows(reportView());
  REQUIRE(rows.size() == 6);
  CHECK(rows[0] == std::vector<std::string>{"bgp:",
                                            "pending, 0 of 1 session(s) established, 2 VIP(s) "
                                            "announced"});
  CHECK(rows[1] ==
        std::vector<std::string>{"bgp session:", "tor 10.0.1.1: no session, protocol down"});
  CHECK(rows[2] == std::vector<std::string>{"vip announced:", "10.0.9.1/32"});
  CHECK(rows[3] == std::vector<std::string>{"vip announced:", "10.0.9.3/32"});
  CHECK(rows[4] == std::vector<std::string>{"bgp error:", "netlink: permission denied"});
  CHECK(rows[5] ==
        std::vector<std::string>{"bgp refused:", "bgp.vips[0].address: must be an IPv4 address"});
  CHECK(nodeBgpRows(Json()).empty());
}

TEST_CASE("node bgp rows: a report that does not read is one line naming the field", "[bgp]") {
  Json view = reportView();
  view["report"]["config"] = "half";
  auto rows = nodeBgpRows(view);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][1].starts_with("report does not read: bgp.report.config: unknown value 'half'"));

  // The coordinator's own reader refused it: its error and field are shown as they came.
  rows = nodeBgpRows(Json{{"error", "unknown value 'Dancing'"},
                          {"field", "domains.bgp.sessions[0].session_state"}});
  REQUIRE(rows.size() == 1);
  CHECK(rows[0][1] ==
        "report does not read: domains.bgp.sessions[0].session_state: unknown value "
        "'Dancing'");
  CHECK(nodeBgpRows(Json::array())[0][1] == "report does not read: bgp: must be an object");
}
