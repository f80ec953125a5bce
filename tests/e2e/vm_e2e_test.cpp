// A VM from the operator to QEMU and back: the real coordinator, photonctl, and the real
// `photon-agent run --domains vms` with the tiny test guest. `vm put` places the VM on the one
// node with virtualization; the agent starts QEMU and reports it running; `vm stop` powers it
// down (ACPI, the guest's acpid); `vm delete` empties the node's section. Every QEMU started
// under the test's temp dir is killed by PID when the test ends (QemuGuard), the agent too.
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <sstream>

#include "agent/core/node_credentials.h"
#include "tests/agent/agent_process.h"
#include "tests/agent/vms/qemu_fixture.h"
#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using namespace std::chrono_literals;
using common::Json;
using test::AgentProcess;
using test::CoordinatorFixture;
using test::waitUntil;

namespace {
// photonctl run to its end against `c`; returns the exit code and its output.
int photonctl(CoordinatorFixture& c, test::TempDir& dir, const std::vector<std::string>& args,
              std::string& output) {
  static int runs = 0;
  std::string token = dir.write("admin.token", std::string(test::kAdminToken) + "\n");
  std::vector<std::string> argv = {PHOTON_BUILD_DIR "/coordinator/photonctl", "--coordinator",
                                   c.url(), "--token-file", token};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string log = dir.file("ctl-" + std::to_string(++runs) + ".log");
  test::ChildProcess p(argv, log);
  int code = p.wait(20s);
  output = test::readText(log);
  return code;
}

bool alive(int pid) {
  return pid > 0 && ::kill(pid, 0) == 0;
}
}  // namespace

TEST_CASE("vms end to end: photonctl vm put runs the VM on its node's agent, stop powers it down",
          "[vms][integration][e2e]") {
  test::VmWorld world{test::vmGuestDir()};  // first: its guard outlives the agent
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  Json machine = CoordinatorFixture::machine(1);
  machine["facts"]["cpu"]["virtualization"] = true;
  auto r = c.bootstrap("POST", "/api/v1/phone-home", machine);
  REQUIRE(r.status == 200);
  std::string node = r.body["node_id"], token = r.body["token"];
  for (const char* phase : {"installing", "installed"}) {
    REQUIRE(c.as(token, "PUT", "/api/v1/nodes/" + node + "/observed",
                 Json{{"install", {{"phase", phase}}}}.dump())
                .status == 200);
  }
  std::string state = world.tmp.path() + "/state";
  std::filesystem::create_directories(state);
  std::filesystem::create_directories(world.tmp.path() + "/images");
  REQUIRE(agent::saveCredentials(state, {node, token}));
  // On the host (no systemd as PID 1): QEMU as the agent's child. The sandboxed units are
  // tested in tests/agent/vms/vm_sandbox_test.cpp, under a systemd in systemd-nspawn.
  AgentProcess agent({"run", "--coordinator", c.url(), "--state-dir", state, "--domains", "vms",
                      "--vm-unsandboxed", "--vm-image-dir", world.tmp.path() + "/images",
                      "--vm-image-dir", world.guest, "--poll-interval", "1", "--retry-max", "0.5"},
                     world.tmp.file("agent.log"));

  std::string out;
  std::string spec = world.tmp.write("e2e.json", world.vm("e2e").dump());
  REQUIRE(photonctl(c, world.tmp, {"vm", "put", "e2e", spec}, out) == 0);
  CHECK(out.find("vm e2e on " + node) != std::string::npos);

  Json view;
  auto status = [&] {
    view = c.admin("GET", "/api/v1/vms/e2e").body;
    return view.value("status", "");
  };
  bool running = waitUntil([&] { return status() == "running"; }, 30s);
  if (!running) FAIL(view.dump() << "\n" << agent.log());
  int pid = view["observed"]["pid"].get<int>();
  CHECK(alive(pid));
  CHECK(test::readText("/proc/" + std::to_string(pid) + "/cmdline").find(state) !=
        std::string::npos);
  REQUIRE(photonctl(c, world.tmp, {"vm", "list"}, out) == 0);
  CHECK(out.find("running") != std::string::npos);
  // The guest is up (its init printed to the serial console) before it is asked to power down,
  // or ACPI would reach no acpid.
  REQUIRE(test::waitForText(world.console("e2e"), "photon-guest: block=") != std::string::npos);

  REQUIRE(photonctl(c, world.tmp, {"vm", "stop", "e2e"}, out) == 0);
  CHECK(out.find("wanted stopped") != std::string::npos);
  bool stopped = waitUntil([&] { return status() == "stopped" && !alive(pid); }, 30s);
  if (!stopped) FAIL(view.dump() << "\n" << agent.log());
  CHECK(view["observed"].value("last_shutdown", Json()).dump().find("guest") != std::string::npos);

  REQUIRE(photonctl(c, world.tmp, {"vm", "delete", "e2e"}, out) == 0);
  CHECK(c.admin("GET", "/api/v1/nodes/" + node + "/desired").body["vms"] == Json::array());
  CHECK(photonctl(c, world.tmp, {"vm", "show", "e2e"}, out) == 1);
  CHECK(out.find("not found") != std::string::npos);  // photonctl says it in words
}
