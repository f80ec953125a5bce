// A lifecycle step whose BMC fails it is a condition of the node: GET node and photonctl show
// the step, the operation that failed and the BMC's error; an operator mends the BMC and retries
// the step. Real coordinator, real photonctl, a BMC that never answers and ipmi_sim.
#include <catch2/catch.hpp>

#include "tests/coordinator/power/ipmi_sim.h"
#include "tests/coordinator/power/power_test_support.h"

using namespace photon;
using common::Json;
using std::chrono::milliseconds;
using test::CoordinatorFixture;

TEST_CASE("lifecycle power: a retire the BMC failed shows on the node and is retried once mended",
          "[power][integration]") {
  CoordinatorFixture c;
  test::SilentBmc silent;
  test::IpmiSim sim;
  test::TickedPower power(c, milliseconds(1000));
  test::TempDir dir;
  std::string id = test::enrol(c, 1);
  REQUIRE(
      c.admin("PUT", "/api/v1/nodes/" + id + "/bmc", test::ipmiBmc(silent.port(), "pw")).status ==
      200);
  // Nothing to retry before any lifecycle step.
  CHECK(c.admin("POST", "/api/v1/nodes/" + id + "/power/retry").status == 409);

  auto retire = c.admin("POST", "/api/v1/nodes/" + id + "/actions/retire");
  REQUIRE(retire.status == 200);
  const std::string op = retire.body["power_operations"]["operations"][0].get<std::string>();
  Json off = test::awaitOperation(c, id, op);
  REQUIRE(off["result"] == "failed");

  auto node = c.admin("GET", "/api/v1/nodes/" + id);
  INFO(node.body.dump());
  CHECK(node.body["state"] == "retired");  // the lifecycle move stands
  const Json& step = node.body["power_step"];
  CHECK(step["action"] == "retire");
  CHECK(step["result"] == "failed");
  CHECK(step["operation"] == op);
  CHECK(step["op"] == "off");
  const std::string bmc_error =
      "IPMI session to 127.0.0.1:" + std::to_string(silent.port()) + ": connection timeout";
  CHECK(step["error"].get<std::string>().find(bmc_error) != std::string::npos);
  // The list shows it too, and photonctl says it in the POWER column and the node's page.
  bool listed = false;
  auto list = c.admin("GET", "/api/v1/nodes");  // kept: the loop must not outlive the reply
  for (const auto& n : list.body["nodes"]) {
    if (n["id"] == id) listed = n["power_step"]["result"] == "failed";
  }
  CHECK(listed);
  auto nodes = test::photonctl(dir, c.url(), {"nodes"});
  CHECK(test::lineOf(nodes.output, id).find("unknown! (retire failed)") != std::string::npos);
  auto shown = test::photonctl(dir, c.url(), {"node", "show", id});
  INFO(shown.output);
  CHECK(shown.output.find("retire: failed at off: " + bmc_error) != std::string::npos);
  CHECK(shown.output.find("photonctl power retry " + id) != std::string::npos);

  // Retried against the BMC that still does not answer: it fails again, and still shows.
  auto again = test::photonctl(dir, c.url(), {"power", "retry", id});
  INFO(again.output);
  CHECK(again.code == 1);
  CHECK(again.output.find("off failed: " + bmc_error) != std::string::npos);

  // The operator mends the BMC's address and retries: the machine is switched off.
  REQUIRE(c.admin("PUT", "/api/v1/nodes/" + id + "/bmc",
                  test::ipmiBmc(sim.port(), test::IpmiSim::kPassword))
              .status == 200);
  { std::ofstream(sim.dir() + "/power") << "1\n"; }  // it was left on
  auto mended = test::photonctl(dir, c.url(), {"power", "retry", id});
  INFO(mended.output);
  CHECK(mended.code == 0);
  CHECK(mended.output.find(id + ": off done in") != std::string::npos);
  CHECK(sim.power() == "0");
  auto after = c.admin("GET", "/api/v1/nodes/" + id);
  CHECK(after.body["power_step"]["result"] == "ok");
  CHECK(after.body["power"]["state"] == "off");
  // Nothing failed any more: nothing to retry.
  auto nothing = c.admin("POST", "/api/v1/nodes/" + id + "/power/retry");
  CHECK(nothing.status == 409);
  CHECK(nothing.body.dump().find("is ok, not failed") != std::string::npos);
}

TEST_CASE(
    "lifecycle power: a failed rescue step is retried as a rescue, and is history once the "
    "node moves on",
    "[power][integration]") {
  CoordinatorFixture c;
  test::SilentBmc silent;
  test::IpmiSim sim;
  test::TickedPower power(c, milliseconds(1000));
  std::string id = test::enrol(c, 1);
  Json bmc = test::ipmiBmc(silent.port(), "pw");
  REQUIRE(c.admin("PUT", "/api/v1/nodes/" + id + "/bmc", bmc).status == 200);
  auto rescue = c.admin("POST", "/api/v1/nodes/" + id + "/actions/rescue");
  REQUIRE(rescue.status == 200);
  auto ops = rescue.body["power_operations"]["operations"];
  REQUIRE(ops.size() == 2);
  test::awaitOperation(c, id, ops[1].get<std::string>());
  auto node = c.admin("GET", "/api/v1/nodes/" + id);
  REQUIRE(node.body["power_step"]["result"] == "failed");
  CHECK(node.body["power_step"]["op"] == "boot:cdrom");  // the first that failed

  // Mended, retried: the installer once, then the cycle, as the rescue asked.
  REQUIRE(c.admin("PUT", "/api/v1/nodes/" + id + "/bmc",
                  test::ipmiBmc(sim.port(), test::IpmiSim::kPassword))
              .status == 200);
  auto retry = c.admin("POST", "/api/v1/nodes/" + id + "/power/retry");
  INFO(retry.body.dump());
  REQUIRE(retry.status == 202);
  CHECK(retry.body["action"] == "rescue");
  REQUIRE(retry.body["operations"].size() == 2);
  for (const auto& op : retry.body["operations"]) {
    CHECK(test::awaitOperation(c, id, op.get<std::string>())["result"] == "ok");
  }
  CHECK(sim.boot() == "cdrom");
  CHECK(sim.power() == "1");
  CHECK(c.admin("GET", "/api/v1/nodes/" + id).body["power_step"]["result"] == "ok");

  // A failed step of a state the node has left is not retried: a rescue's cycle must not hit a
  // machine an operator has since moved on.
  REQUIRE(c.admin("PUT", "/api/v1/nodes/" + id + "/bmc", bmc).status == 200);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/commission").status == 200);
  auto rescue2 = c.admin("POST", "/api/v1/nodes/" + id + "/actions/rescue");
  REQUIRE(rescue2.status == 200);
  test::awaitOperation(c, id, rescue2.body["power_operations"]["operations"][1].get<std::string>());
  REQUIRE(c.admin("GET", "/api/v1/nodes/" + id).body["power_step"]["result"] == "failed");
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + id + "/actions/commission").status == 200);
  auto moved = c.admin("GET", "/api/v1/nodes/" + id);
  CHECK(moved.body["state"] == "commissioning");
  CHECK_FALSE(moved.body.contains("power_step"));
  auto refused = c.admin("POST", "/api/v1/nodes/" + id + "/power/retry");
  CHECK(refused.status == 409);
  CHECK(refused.body.dump().find("has no lifecycle power step to retry") != std::string::npos);
}

TEST_CASE("lifecycle power: an install that ends sends the machine to its disk and cycles it",
          "[power][integration]") {
  CoordinatorFixture c;
  test::IpmiSim sim;
  test::TickedPower power(c);
  // Rule "big" installs a machine with 8 cores on sight.
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto home = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(home.status == 200);
  const std::string id = home.body["node_id"].get<std::string>();
  const std::string token = home.body["token"].get<std::string>();
  REQUIRE(c.admin("PUT", "/api/v1/nodes/" + id + "/bmc",
                  test::ipmiBmc(sim.port(), test::IpmiSim::kPassword))
              .status == 200);
  { std::ofstream(sim.dir() + "/boot") << "cdrom\n"; }  // it was booted from the installer

  // Reports while installing queue nothing.
  auto installing = c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
                         Json{{"install", {{"phase", "installing"}}}}.dump());
  REQUIRE(installing.status == 200);
  CHECK_FALSE(c.admin("GET", "/api/v1/nodes/" + id).body.contains("power_step"));

  auto installed = c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
                        Json{{"install", {{"phase", "installed"}}}}.dump());
  REQUIRE(installed.status == 200);
  auto node = c.admin("GET", "/api/v1/nodes/" + id);
  REQUIRE(node.body["state"] == "active");
  REQUIRE(node.body["power_step"]["action"] == "installed");
  for (const auto& op : node.body["power_step"]["operations"]) {
    Json done = test::awaitOperation(c, id, op.get<std::string>());
    CHECK(done["result"] == "ok");
    CHECK(done["reason"] == "installed");
  }
  CHECK(c.admin("GET", "/api/v1/nodes/" + id).body["power_step"]["result"] == "ok");
  auto calls = sim.calls();
  INFO(calls);
  // The disk (ipmi_sim's word for it: "default"), then the cycle that switches it on.
  CHECK(sim.boot() != "cdrom");
  CHECK(calls.find("set boot") < calls.find("set power 1"));
  CHECK(sim.power() == "1");
  // A repeated "installed" report of an active node changes nothing.
  auto again = c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
                    Json{{"install", {{"phase", "installed"}}}}.dump());
  REQUIRE(again.status == 200);
  CHECK(c.admin("GET", "/api/v1/nodes/" + id + "/power").body["queued"].empty());
}
