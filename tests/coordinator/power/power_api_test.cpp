// The power routes on a real coordinator (SQLite, HTTP), with the power service ticked as the
// control thread would tick it, against ipmi_sim and a BMC that never answers.
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "coordinator/power/power_metrics.h"
#include "coordinator/power/power_records.h"
#include "coordinator/power/power_service.h"
#include "tests/coordinator/power/ipmi_sim.h"
#include "tests/coordinator/power/power_test_support.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using std::chrono::milliseconds;
using test::CoordinatorFixture;

using test::awaitOperation;
using test::enrol;
using test::ipmiBmc;
using test::TickedPower;

TEST_CASE("power api: a BMC record never returns its password", "[power]") {
  CoordinatorFixture c;
  std::string id = enrol(c, 1);
  const std::string secret = "s3cret-bmc-password";
  auto put = c.admin("PUT", "/api/v1/nodes/" + id + "/bmc", ipmiBmc(623, secret));
  REQUIRE(put.status == 200);
  CHECK(put.body["password_set"] == true);
  CHECK(put.body.dump().find(secret) == std::string::npos);
  auto get = c.admin("GET", "/api/v1/nodes/" + id + "/bmc");
  REQUIRE(get.status == 200);
  CHECK(get.body["driver"] == "ipmi");
  CHECK(get.body["password_set"] == true);
  CHECK_FALSE(get.body.contains("password"));
  for (const std::string& path : std::vector<std::string>{"/api/v1/nodes", "/api/v1/nodes/" + id,
                                                          "/api/v1/nodes/" + id + "/power"}) {
    auto r = c.admin("GET", path);
    CHECK(r.body.dump().find(secret) == std::string::npos);
  }
  // A record changed without a password keeps the stored one.
  Json again = ipmiBmc(624, "");
  again.erase("password");
  auto kept = c.admin("PUT", "/api/v1/nodes/" + id + "/bmc", again);
  REQUIRE(kept.status == 200);
  CHECK(kept.body["password_set"] == true);
  CHECK(kept.body["port"] == 624);
}

TEST_CASE("power api: bad BMC records are refused naming the field", "[power]") {
  CoordinatorFixture c;
  std::string id = enrol(c, 1);
  auto bad = [&](Json body, const std::string& field) {
    auto r = c.admin("PUT", "/api/v1/nodes/" + id + "/bmc", body);
    CHECK(r.status == 400);
    CHECK(r.body["field"] == field);
  };
  Json ok = ipmiBmc(623, "pw");
  auto with = [](Json base, const Json& patch) {
    base.merge_patch(patch);
    return base;
  };
  bad(with(ok, Json{{"driver", "ssh"}}), "driver");
  bad(with(ok, Json{{"address", "not an address!"}}), "address");
  bad(with(ok, Json{{"port", 70000}}), "port");
  bad(with(ok, Json{{"colour", "red"}}), "colour");
  bad(with(ok, Json{{"password_file", "relative/path"}}), "password_file");
  bad(with(ok, Json{{"password_file", "/etc/bmc-pw"}}), "password");
  Json redfish{{"driver", "redfish"},
               {"address", "10.0.0.9"},
               {"username", "root"},
               {"password", "pw"},
               {"scheme", "http"}};
  bad(redfish, "scheme");
  CHECK(c.admin("PUT", "/api/v1/nodes/no-such-node/bmc", ok).status == 404);
  CHECK(c.admin("POST", "/api/v1/nodes/" + id + "/power", Json{{"action", "explode"}}).status ==
        400);
  // No BMC yet for another node: the operation is refused before it is queued.
  std::string other = enrol(c, 2);
  CHECK(c.admin("POST", "/api/v1/nodes/" + other + "/power", Json{{"action", "on"}}).status == 404);
}

TEST_CASE("power api: power on through ipmi_sim shows in the node, its history and /metrics",
          "[power][integration]") {
  CoordinatorFixture c;
  test::IpmiSim sim;
  TickedPower power(c);
  std::string id = test::enrolWithBmc(c, 1, sim);
  auto started = std::chrono::steady_clock::now();
  auto r = c.admin("POST", "/api/v1/nodes/" + id + "/power", Json{{"action", "on"}});
  REQUIRE(r.status == 202);
  Json done = awaitOperation(c, id, r.body["operation"].get<std::string>());
  auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  CHECK(done["result"] == "ok");
  CHECK(done["op"] == "on");
  CHECK(sim.power() == "1");
  WARN("API: POST power on -> outcome in GET power took "
       << took.count() << " ms (the BMC call itself " << done["took_ms"] << " ms)");
  auto node = c.admin("GET", "/api/v1/nodes/" + id);
  CHECK(node.body["power"]["state"] == "on");
  CHECK(node.body["power"]["error"] == "");

  auto boot = c.admin("POST", "/api/v1/nodes/" + id + "/boot-device", Json{{"device", "cdrom"}});
  REQUIRE(boot.status == 202);
  CHECK(awaitOperation(c, id, boot.body["operation"].get<std::string>())["result"] == "ok");
  CHECK(sim.boot() == "cdrom");

  // /metrics renders this (system_routes.cpp): counts by state, not a series per node.
  std::string text;
  coordinator::power::appendPowerMetrics(text, c.server().store());
  CHECK(text.find("photon_power_nodes{state=\"on\"} 1") != std::string::npos);
  CHECK(text.find("photon_power_nodes{state=\"unknown\"} 0") != std::string::npos);
  CHECK(text.find("photon_power_errors_total 0") != std::string::npos);
}

TEST_CASE(
    "power api: a dead BMC leaves its node unknown with the reason, another node's "
    "power operation in the same second completes on time",
    "[power][integration]") {
  CoordinatorFixture c;
  test::IpmiSim sim;
  test::SilentBmc silent;
  TickedPower power(c, milliseconds(2000));
  std::string live = enrol(c, 1), dead = enrol(c, 2);
  REQUIRE(c.admin("PUT", "/api/v1/nodes/" + live + "/bmc",
                  ipmiBmc(sim.port(), test::IpmiSim::kPassword))
              .status == 200);
  REQUIRE(c.admin("PUT", "/api/v1/nodes/" + dead + "/bmc", ipmiBmc(silent.port(), "pw")).status ==
          200);

  auto started = std::chrono::steady_clock::now();
  auto d = c.admin("POST", "/api/v1/nodes/" + dead + "/power", Json{{"action", "on"}});
  auto l = c.admin("POST", "/api/v1/nodes/" + live + "/power", Json{{"action", "on"}});
  REQUIRE(d.status == 202);
  REQUIRE(l.status == 202);
  Json live_done = awaitOperation(c, live, l.body["operation"].get<std::string>());
  auto live_took =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  CHECK(live_done["result"] == "ok");
  CHECK(live_took < milliseconds(1000));
  Json dead_done = awaitOperation(c, dead, d.body["operation"].get<std::string>());
  CHECK(dead_done["result"] == "failed");
  CHECK(dead_done["error"].get<std::string>().find("timeout") != std::string::npos);
  auto node = c.admin("GET", "/api/v1/nodes/" + dead);
  CHECK(node.body["power"]["state"] == "unknown");
  CHECK(node.body["power"]["error"].get<std::string>().find("IPMI session to 127.0.0.1") !=
        std::string::npos);
  WARN("API: live node's power on completed in "
       << live_took.count() << " ms beside a dead BMC that failed after " << dead_done["took_ms"]
       << " ms");
}

TEST_CASE("power api: retire powers the node off, recorded with its reason",
          "[power][integration]") {
  CoordinatorFixture c;
  test::IpmiSim sim;
  TickedPower power(c);
  std::string id = test::enrolWithBmc(c, 1, sim);
  auto on = c.admin("POST", "/api/v1/nodes/" + id + "/power", Json{{"action", "on"}});
  awaitOperation(c, id, on.body["operation"].get<std::string>());
  REQUIRE(sim.power() == "1");
  auto retire = c.admin("POST", "/api/v1/nodes/" + id + "/actions/retire");
  REQUIRE(retire.status == 200);
  REQUIRE(retire.body["power_operations"]["operations"].size() == 1);
  Json off =
      awaitOperation(c, id, retire.body["power_operations"]["operations"][0].get<std::string>());
  CHECK(off["op"] == "off");
  CHECK(off["reason"] == "retire");
  CHECK(off["result"] == "ok");
  CHECK(sim.power() == "0");
}

TEST_CASE("power api: the slow poll notices a machine switched by hand, without history",
          "[power][integration]") {
  CoordinatorFixture c;
  test::IpmiSim sim;
  std::string id = test::enrolWithBmc(c, 1, sim);
  coordinator::power::PowerOptions options;
  options.poll_interval = std::chrono::seconds(1);
  coordinator::power::PowerService power(c.server().inventory(), c.server().store(), options);
  auto stateNow = [&] {
    auto node = c.admin("GET", "/api/v1/nodes/" + id);
    return node.body["power"].is_object() ? node.body["power"]["state"].get<std::string>() : "";
  };
  auto pollUntil = [&](const std::string& want) {
    for (int i = 0; i < 60; ++i) {
      power.tick();
      if (stateNow() == want) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return false;
  };
  CHECK(pollUntil("off"));
  // Someone presses the button: the files behind chassis_control say on.
  { std::ofstream(sim.dir() + "/power") << "1\n"; }
  CHECK(pollUntil("on"));
  auto status = c.admin("GET", "/api/v1/nodes/" + id + "/power");
  CHECK(status.body["history"].empty());  // polls are not operations
  CHECK(status.body["checked_at"].get<int64_t>() > 0);
}

TEST_CASE("power api: reprovision boots the installer once and cycles, each step recorded",
          "[power][integration]") {
  CoordinatorFixture c;
  test::IpmiSim sim;
  TickedPower power(c);
  std::string id = enrol(c, 1);
  Json bmc = ipmiBmc(sim.port(), test::IpmiSim::kPassword);
  bmc["installer"] = "pxe";
  REQUIRE(c.admin("PUT", "/api/v1/nodes/" + id + "/bmc", bmc).status == 200);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/commission").status == 200);
  auto r = c.admin("POST", "/api/v1/nodes/" + id + "/actions/reprovision");
  REQUIRE(r.status == 200);
  CHECK(r.body["state"] == "reprovisioning");
  auto ops = r.body["power_operations"]["operations"];
  REQUIRE(ops.size() == 2);
  Json boot = awaitOperation(c, id, ops[0].get<std::string>());
  Json cycle = awaitOperation(c, id, ops[1].get<std::string>());
  CHECK(boot["op"] == "boot:pxe");
  CHECK(boot["reason"] == "reprovision");
  CHECK(boot["result"] == "ok");
  CHECK(cycle["op"] == "cycle");
  CHECK(cycle["reason"] == "reprovision");
  CHECK(cycle["result"] == "ok");
  CHECK(sim.boot() == "pxe");
  CHECK(sim.power() == "1");  // it was off: the cycle switched it on
  // In that order: the boot device first, then the power.
  auto calls = sim.calls();
  CHECK(calls.find("set boot pxe") < calls.find("set power 1"));
}

TEST_CASE(
    "power api: a rescue whose BMC does not answer is recorded as failed with the BMC's "
    "error, the lifecycle move stands",
    "[power][integration]") {
  CoordinatorFixture c;
  test::SilentBmc silent;
  TickedPower power(c, milliseconds(1000));
  std::string id = enrol(c, 1);
  REQUIRE(c.admin("PUT", "/api/v1/nodes/" + id + "/bmc", ipmiBmc(silent.port(), "pw")).status ==
          200);
  auto r = c.admin("POST", "/api/v1/nodes/" + id + "/actions/rescue");
  REQUIRE(r.status == 200);
  CHECK(r.body["state"] == "rescue");
  auto ops = r.body["power_operations"]["operations"];
  REQUIRE(ops.size() == 2);
  Json boot = awaitOperation(c, id, ops[0].get<std::string>());
  Json cycle = awaitOperation(c, id, ops[1].get<std::string>());
  for (const Json& step : {boot, cycle}) {
    CHECK(step["result"] == "failed");
    CHECK(step["reason"] == "rescue");
    CHECK(step["error"].get<std::string>().find(
              "IPMI session to 127.0.0.1:" + std::to_string(silent.port()) +
              ": connection timeout") != std::string::npos);
  }
  auto node = c.admin("GET", "/api/v1/nodes/" + id);
  CHECK(node.body["state"] == "rescue");
  CHECK(node.body["power"]["state"] == "unknown");
  std::string text;
  coordinator::power::appendPowerMetrics(text, c.server().store());
  CHECK(text.find("photon_power_errors_total 2") != std::string::npos);
}

TEST_CASE("power api: a node without a BMC moves through its lifecycle with no power steps",
          "[power]") {
  CoordinatorFixture c;
  std::string id = enrol(c, 1);
  auto r = c.admin("POST", "/api/v1/nodes/" + id + "/actions/retire");
  REQUIRE(r.status == 200);
  CHECK_FALSE(r.body.contains("power_operations"));
  CHECK(r.body["power"].is_null());
}

TEST_CASE(
    "power api: an operation taken by a leader that died is done by the next leader, after the "
    "old one's deadline",
    "[power][integration]") {
  CoordinatorFixture c;
  test::IpmiSim sim;
  std::string id = test::enrolWithBmc(c, 1, sim);
  auto r = c.admin("POST", "/api/v1/nodes/" + id + "/power", Json{{"action", "on"}});
  REQUIRE(r.status == 202);
  std::string op = r.body["operation"].get<std::string>();
  // The old leader's last act: it took the request (what its control round does first), then
  // died before its BMC call.
  auto taken = coordinator::power::takeRequests(c.server().store(), 1);
  REQUIRE(taken);
  REQUIRE(taken->size() == 1);
  auto shown = c.admin("GET", "/api/v1/nodes/" + id + "/power");
  REQUIRE(shown.body["running"].size() == 1);
  CHECK(shown.body["running"][0]["id"] == op);
  CHECK(shown.body["queued"].empty());
  CHECK(sim.power() == "0");

  // The next leader: nothing for one deadline + 3 s after its takeover (the old one might have
  // been in its BMC call), then the operation, once.
  const milliseconds deadline(1000);
  auto takeover = std::chrono::steady_clock::now();
  TickedPower next(c, deadline);
  Json done = awaitOperation(c, id, op);
  auto after =
      std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - takeover);
  CHECK(done["result"] == "ok");
  CHECK(sim.power() == "1");
  CHECK(after >= deadline + coordinator::power::kLeadershipLapse);
  CHECK(after < deadline + coordinator::power::kLeadershipLapse + milliseconds(3000));
  auto status = c.admin("GET", "/api/v1/nodes/" + id + "/power");
  CHECK(status.body["running"].empty());
  int times = 0;
  for (const auto& h : status.body["history"]) times += h["id"] == op ? 1 : 0;
  CHECK(times == 1);
  WARN("an orphaned operation was done " << after.count() << " ms after the takeover");
}

TEST_CASE("power api: a finished operation leaves nothing running", "[power][integration]") {
  CoordinatorFixture c;
  test::IpmiSim sim;
  TickedPower power(c);
  std::string id = test::enrolWithBmc(c, 1, sim);
  auto r = c.admin("POST", "/api/v1/nodes/" + id + "/power", Json{{"action", "on"}});
  REQUIRE(r.status == 202);
  CHECK(awaitOperation(c, id, r.body["operation"].get<std::string>())["result"] == "ok");
  auto status = c.admin("GET", "/api/v1/nodes/" + id + "/power");
  CHECK(status.body["running"].empty());
  CHECK(status.body["queued"].empty());
  auto left = c.server().store().range("power-running/");
  REQUIRE(left);
  CHECK(left->kvs.empty());
}
