// Against real QEMU (TCG) and a real tiny guest that prints what it sees on its serial console.
#include <signal.h>

#include <catch2/catch.hpp>

#include "tests/agent/vms/vm_test_steps.h"

using namespace photon::agent;
using namespace photon::test;
using photon::common::Json;

TEST_CASE("vms: hot-plugged disk and NIC reach the guest, unplug completes, reset, powerdown",
          "[vms][integration]") {
  VmWorld world{vmGuestDir()};
  auto reconciler = makeVmReconciler(world.options());
  Json vm = world.vm("t1");
  vm["disks"] = Json::array({{{"id", "d0"}, {"image", "d0.qcow2"}, {"size_gib", 1}}});
  Json section = Json::array({vm});

  Json o = reconciler->reconcile(section);
  REQUIRE(o["accel"] == "tcg");
  const Json* t1 = findVm(o, "t1");
  REQUIRE(t1);
  INFO(t1->dump());
  CHECK((*t1)["status"] == "running");
  CHECK((*t1)["pid"].get<int>() > 0);
  CHECK(has((*t1)["devices"], "d0"));
  std::string console = world.console("t1");
  size_t at = waitForText(console, "photon-guest: block=vda, net=lo,");
  REQUIRE(at != std::string::npos);

  // Hot-plug a disk and a NIC.
  vm["disks"].push_back({{"id", "d1"}, {"image", "d1.raw"}, {"format", "raw"}, {"size_gib", 1}});
  vm["nics"].push_back({{"id", "n1"}, {"mac", "52:54:00:12:34:56"}, {"user", true}});
  section = Json::array({vm});
  Json seen = reconciler->reconcile(section);
  t1 = findVm(seen, "t1");
  REQUIRE(t1);
  CHECK(!t1->contains("error"));
  CHECK(has((*t1)["devices"], "d1"));
  CHECK(has((*t1)["devices"], "n1"));
  at = waitForText(console, "photon-guest: block=vda,vdb, net=eth0,lo,", at);
  REQUIRE(at != std::string::npos);

  // Unplug the disk: pending until its DEVICE_DELETED, then gone, and the guest agrees.
  vm["disks"].erase(1);
  section = Json::array({vm});
  Json first = *findVm(reconciler->reconcile(section), "t1");
  CHECK(has(first["pending_unplug"], "d1"));
  reconcileUntil(*reconciler, section, "t1", [](const Json& v) {
    return v["pending_unplug"].empty() && !has(v["devices"], "d1");
  });
  at = waitForText(console, "photon-guest: block=vda, net=eth0,lo,", at);
  REQUIRE(at != std::string::npos);

  // Reset: RESET arrives and the guest boots again.
  vm["reset_generation"] = 1;
  section = Json::array({vm});
  reconcileUntil(*reconciler, section, "t1",
                 [](const Json& v) { return v["reset_events"].get<int>() >= 1; });
  at = waitForText(console, "photon-guest: up", at);
  REQUIRE(at != std::string::npos);
  at = waitForText(console, "photon-guest: block=", at);  // acpid runs again

  // Stop: ACPI powerdown, and the guest itself shuts down well within the grace period.
  vm["state"] = "stopped";
  section = Json::array({vm});
  auto begin = std::chrono::steady_clock::now();
  Json stopped = reconcileUntil(*reconciler, section, "t1",
                                [](const Json& v) { return v["status"] == "stopped"; });
  CHECK(std::chrono::steady_clock::now() - begin < std::chrono::seconds(30));
  REQUIRE(stopped.contains("last_shutdown"));
  CHECK(stopped["last_shutdown"]["guest"] == true);
  CHECK(waitForText(console, "photon-guest: powerdown", 0, std::chrono::seconds(1)) !=
        std::string::npos);
  CHECK(stopped["restarts"] == 0);
}

TEST_CASE("vms: an agent restart adopts the running QEMU, a killed QEMU is restarted",
          "[vms][integration]") {
  VmWorld world{vmGuestDir()};
  Json vm = world.vm("t2");
  vm["nics"] = Json::array({{{"id", "n0"}, {"mac", "52:54:00:00:00:02"}, {"user", true}}});
  Json section = Json::array({vm});
  int pid = 0;
  {
    auto first = makeVmReconciler(world.options());
    Json t2 = *findVm(first->reconcile(section), "t2");
    REQUIRE(t2["status"] == "running");
    pid = t2["pid"];
    first->shutdown();
  }  // the agent "exits"; QEMU keeps running

  auto second = makeVmReconciler(world.options());
  Json adopted = *findVm(second->reconcile(section), "t2");
  CHECK(adopted["pid"] == pid);
  CHECK(adopted["status"] == "running");
  CHECK(adopted["restarts"] == 0);
  CHECK(has(adopted["devices"], "n0"));

  // Pause and resume over the adopted connection.
  vm["state"] = "paused";
  reconcileUntil(*second, Json::array({vm}), "t2",
                 [](const Json& v) { return v["status"] == "paused"; });
  vm["state"] = "running";
  section = Json::array({vm});
  reconcileUntil(*second, section, "t2", [](const Json& v) { return v["status"] == "running"; });

  // A crash (SIGKILL): restarted per policy (on-failure) and counted.
  REQUIRE(::kill(pid, SIGKILL) == 0);
  Json restarted = reconcileUntil(*second, section, "t2", [&](const Json& v) {
    return v["status"] == "running" && v["pid"] != pid && v["pid"] != 0;
  });
  CHECK(restarted["restarts"] == 1);
  CHECK(has(restarted["devices"], "n0"));
}
