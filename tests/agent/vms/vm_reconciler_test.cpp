// The reconciler's refusals, with adapters that count what reaches them: nothing must; and
// how it reads a QEMU that ends, with fake QEMUs that end when the test says.
#include "agent/vms/vm_reconciler.h"

#include <catch2/catch.hpp>

#include "tests/agent/vms/fake_vm_adapters.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::common::Json;

namespace {

struct CountingRunner final : VmProcessRunner {
  int spawns = 0;
  photon::common::Result<pid_t> spawn(const VmLaunch&) override {
    ++spawns;
    return photon::common::fail(photon::common::ErrorCode::kUnavailable, "not here");
  }
  VmProcessStatus status(const std::string&, pid_t) override { return {}; }
  photon::common::Status kill(pid_t, int) override { return {}; }
  photon::common::Result<int> run(const std::vector<std::string>&,
                                  std::chrono::milliseconds) override {
    ++spawns;
    return 0;
  }
  std::vector<std::string> commandLine(pid_t) override { return {}; }
};

struct CountingConnector final : QmpConnector {
  int connects = 0;
  photon::common::Result<std::unique_ptr<QmpChannel>> connect(const std::string&) override {
    ++connects;
    return photon::common::fail(photon::common::ErrorCode::kUnavailable, "not here");
  }
};

}  // namespace

TEST_CASE("vm reconciler: bad input is refused and nothing reaches QEMU", "[vms]") {
  photon::test::TempDir tmp;
  auto runner = std::make_shared<CountingRunner>();
  auto connector = std::make_shared<CountingConnector>();
  VmOptions o;
  o.state_dir = tmp.path();
  o.limits = {{tmp.path() + "/images"}, 1024};
  o.qemu.accel = "tcg";
  o.runner = runner;
  o.connector = connector;
  VmReconciler r(o);

  Json good = {{"name", "a"},
               {"memory_mib", 256},
               {"disks", Json::array({{{"id", "d"}, {"image", "a.qcow2"}}})}};
  for (const auto& bad : {Json{{"path", "/etc/passwd"}}, Json{{"mac", "nope"}},
                          Json{{"memory", 4096}}, Json{{"dup", true}}}) {
    Json vm = good;
    if (bad.contains("path")) vm["disks"][0] = {{"id", "d"}, {"path", "/etc/passwd"}};
    if (bad.contains("mac"))
      vm["nics"] = Json::array({{{"id", "n"}, {"mac", "nope"}, {"user", true}}});
    if (bad.contains("memory")) vm["memory_mib"] = 4096;
    if (bad.contains("dup"))
      vm["nics"] = Json::array({{{"id", "d"}, {"mac", "52:54:00:00:00:01"}, {"user", true}}});
    Json section = Json::array({vm});
    auto status = r.validate(section);
    REQUIRE_FALSE(status);
    CHECK_FALSE(status.error().field.empty());
    Json observed = r.reconcile(section);
    CHECK(observed.contains("error"));
    CHECK(observed["vms"].empty());
  }
  CHECK(runner->spawns == 0);
  CHECK(connector->connects == 0);

  // The same VM, valid, does reach the runner (the counters can count).
  CHECK(r.validate(Json::array({good})));
  Json observed = r.reconcile(Json::array({good}));
  CHECK(runner->spawns == 1);
  CHECK(observed["vms"][0].contains("error"));
}

TEST_CASE(
    "vm reconciler: a guest that powers off as its QEMU is looked at or sent a command is held "
    "down as shut down, not restarted as crashed",
    "[vms]") {
  using SelfExit = photon::test::FakeQemus::Qemu::SelfExit;
  for (SelfExit when : {SelfExit::kWhenLookedAt, SelfExit::kAtNextCommand}) {
    INFO("exits " << (when == SelfExit::kWhenLookedAt ? "when looked at" : "at a command"));
    photon::test::TempDir tmp;
    auto qemus = std::make_shared<photon::test::FakeQemus>();
    VmOptions o;
    o.state_dir = tmp.path() + "/state";
    o.limits = {{tmp.path() + "/images"}, 8192};
    o.qemu.accel = "tcg";
    o.runner = std::make_shared<photon::test::FakeVmRunner>(qemus);
    o.connector = std::make_shared<photon::test::FakeQmpConnector>(qemus);
    VmReconciler r(o);
    const Json section = Json::array({{{"name", "a"}, {"memory_mib", 128}}});  // on-failure
    Json out = r.reconcile(section);
    INFO(out.dump());
    REQUIRE(out["vms"][0]["status"] == "running");
    const pid_t pid = qemus->by_name.at("a").pid;

    // QEMU writes its SHUTDOWN and exits between two reads of the agent: the event is still
    // read from what the socket holds (the second round acts on the exit the first found).
    qemus->by_name.at("a").exits = when;
    r.reconcile(section);
    out = r.reconcile(section);
    INFO(out.dump());
    const Json& a = out["vms"][0];
    CHECK(a["status"] == "shutdown");
    REQUIRE(a.contains("last_shutdown"));
    CHECK(a["last_shutdown"]["guest"] == true);
    CHECK(a["restarts"] == 0);
    CHECK(qemus->by_name.at("a").pid == pid);  // not started again
    CHECK_FALSE(qemus->by_name.at("a").alive);
  }
}
