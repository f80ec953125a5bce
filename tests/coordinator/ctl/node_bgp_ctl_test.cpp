// A node's BGP report where an operator looks, through the real coordinator and photonctl: the
// node's API view carries the report as the strict reader took it, /metrics counts the alive
// nodes' sessions by state, `photonctl node show` prints them, and a report with a state name
// the coordinator does not know is an error naming the field (in all three).
#include <catch2/catch.hpp>

#include "common/api/bgp_report.h"
#include "tests/support/photonctl_runner.h"

using photon::common::Json;
using photon::test::CoordinatorFixture;
namespace common = photon::common;

namespace {

common::BgpReport sampleReport() {
  return {.config = common::BgpConfigState::kApplied,
          .announced = {"10.0.9.1/32"},
          .withdrawn = {{.address = "10.0.9.2/32", .service = "db", .reason = "unhealthy"}},
          .sessions = {{.name = "tor",
                        .neighbor = "10.0.1.1",
                        .protocol_state = "up",
                        .since = "2026-12-03 10:00:00",
                        .info = "Established",
                        .session = common::BgpSessionState::kEstablished},
                       {.name = "rr",
                        .neighbor = "10.0.1.2",
                        .protocol_state = "start",
                        .since = "2026-12-03 10:00:01",
                        .info = "Active Socket: Connection refused",
                        .session = common::BgpSessionState::kActive}}};
}

// An active node whose agent reports `bgp` as its "bgp" domain; returns its id and token.
CoordinatorFixture::Enrolled activeNodeReporting(CoordinatorFixture& c, const Json& bgp) {
  auto node = c.enrol(1);
  REQUIRE(c.as(node.token, "PUT", "/api/v1/nodes/" + node.id + "/observed",
               R"({"install": {"phase": "installing"}})")
              .status == 200);
  Json report = {{"install", {{"phase", "installed"}}}, {"domains", {{"bgp", bgp}}}};
  REQUIRE(c.as(node.token, "PUT", "/api/v1/nodes/" + node.id + "/observed", report.dump()).status ==
          200);
  REQUIRE(c.admin("GET", "/api/v1/nodes/" + node.id).body["state"] == "active");
  return node;
}

std::string metrics(CoordinatorFixture& c) {
  auto client = common::HttpClient::create(c.url());
  REQUIRE(client);
  auto m = (*client)->request("GET", "/metrics");
  REQUIRE(m);
  REQUIRE(m->status == 200);
  return m->body;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("node bgp: the node view, /metrics and photonctl node show read the agent's report",
          "[bgp][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto node = activeNodeReporting(c, common::toJson(sampleReport()));

  auto view = c.admin("GET", "/api/v1/nodes/" + node.id);
  REQUIRE(view.body.contains("bgp"));
  auto read = common::bgpReportFromJson(view.body["bgp"]["report"], "bgp.report");
  REQUIRE(read);
  CHECK(*read == sampleReport());

  std::string m = metrics(c);
  CHECK(has(m, "photon_bgp_sessions{state=\"Established\"} 1"));
  CHECK(has(m, "photon_bgp_sessions{state=\"Active\"} 1"));
  CHECK(has(m, "photon_bgp_sessions{state=\"Idle\"} 0"));
  CHECK(has(m, "photon_bgp_nodes{config=\"applied\"} 1"));
  CHECK(has(m, "photon_bgp_vips_announced 1"));
  CHECK(has(m, "photon_bgp_reports_unreadable 0"));

  photon::test::PhotonctlRunner ctl{c};
  std::string out;
  REQUIRE(ctl.run({"node", "show", node.id}, out) == 0);
  CHECK(out.find("applied, 1 of 2 session(s) established, 1 VIP(s) announced") !=
        std::string::npos);
  CHECK(out.find("tor 10.0.1.1: Established, protocol up since 2026-12-03 10:00:00") !=
        std::string::npos);
  CHECK(out.find("rr 10.0.1.2: Active, protocol start since 2026-12-03 10:00:01 (Active Socket: "
                 "Connection refused)") != std::string::npos);
  CHECK(out.find("10.0.9.2/32 (db: unhealthy)") != std::string::npos);

  // A node whose agent stops polling: its last report says nothing of its sessions now.
  c.clock().advance(31);  // node_ttl_s is 30
  m = metrics(c);
  CHECK(has(m, "photon_bgp_sessions{state=\"Established\"} 0"));
  CHECK(has(m, "photon_bgp_nodes{config=\"applied\"} 0"));
}

TEST_CASE("node bgp: a session state the coordinator does not know is an error naming the field",
          "[bgp][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  Json bgp = common::toJson(sampleReport());
  bgp["sessions"][1]["session_state"] = "Dancing";
  auto node = activeNodeReporting(c, bgp);  // the report is stored: it is the node's heartbeat

  auto view = c.admin("GET", "/api/v1/nodes/" + node.id);
  REQUIRE(view.body.contains("bgp"));
  CHECK(view.body["bgp"]["field"] == "domains.bgp.sessions[1].session_state");
  CHECK(view.body["bgp"]["error"].get<std::string>().find("unknown value 'Dancing'") !=
        std::string::npos);
  CHECK_FALSE(view.body["bgp"].contains("report"));

  std::string m = metrics(c);
  CHECK(has(m, "photon_bgp_reports_unreadable 1"));
  CHECK(has(m, "photon_bgp_sessions{state=\"Established\"} 0"));  // nothing of it is guessed

  photon::test::PhotonctlRunner ctl{c};
  std::string out;
  REQUIRE(ctl.run({"node", "show", node.id}, out) == 0);
  CHECK(out.find("report does not read: domains.bgp.sessions[1].session_state: unknown value "
                 "'Dancing'") != std::string::npos);
}
