// The units domain against a real systemd, booted in systemd-nspawn and driven over its system
// bus from the host (tests/support/nspawn_container.h).
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/units/sd_systemd_bus.h"
#include "agent/units/unit_render.h"
#include "agent/units/units_reconciler.h"
#include "tests/agent/units/busybox_image.h"
#include "tests/agent/units/test_locators.h"
#include "tests/support/child_process.h"
#include "tests/support/nspawn_container.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::common::Json;
using photon::test::ChildProcess;
using photon::test::NspawnContainer;
using namespace std::chrono_literals;

namespace {

NspawnContainer::Options containerOptions(const std::string& name) {
  return {.rootfs = photon::test::ensureNspawnRootfs(PHOTON_SOURCE_DIR, PHOTON_BUILD_DIR),
          .name = "photon-units-" + name};
}

std::unique_ptr<UnitsReconciler> reconciler(const NspawnContainer& c) {
  auto r = makeUnitsReconciler(c.busAddress(), {}, photon::test::viewOf(c));
  if (!r) FAIL("connect: " << r.error().message);
  return std::move(*r);
}

Json instance(const std::string& name, int revision) {
  return {{"name", name},
          {"exec", {"/bin/sleep", "1000"}},
          {"revision", revision},
          {"restart", "always"}};
}

Json find(const Json& out, const std::string& name) {
  for (const auto& i : out["instances"]) {
    if (i["name"] == name) return i;
  }
  return Json();
}

// Reconciles until `done` holds for the observed state, waking on unit changes; bounded.
Json reconcileUntil(UnitsReconciler& r, const Json& section,
                    const std::function<bool(const Json&)>& done,
                    std::chrono::seconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  Json out = r.reconcile(section);
  while (!done(out) && std::chrono::steady_clock::now() < deadline) {
    (void)r.waitForChange(200ms);
    out = r.reconcile(section);
  }
  return out;
}

}  // namespace

TEST_CASE("units systemd: start, limits read back, adopt on agent restart, replace, remove, stray",
          "[units][integration]") {
  NspawnContainer c(containerOptions("life"));
  Json a = instance("a", 1);
  a["resources"] = {{"memory_bytes", 64 << 20}, {"cpu_millis", 250}};
  a["env"] = {{"GREETING", "hello"}};
  Json section = {a, instance("b", 1)};
  section.push_back(Json{{"name", "bad"}, {"exec", {"sleep", "1"}}});
  uint32_t pid_a = 0;
  {
    auto r = reconciler(c);
    auto out = r->reconcile(section);
    auto oa = find(out, "a");
    CHECK(oa["state"] == "active");
    CHECK(oa["revision"] == "1");
    pid_a = oa["main_pid"].get<uint32_t>();
    CHECK(pid_a > 0);
    CHECK(find(out, "bad")["state"] == "refused");
    CHECK(find(out, "bad")["field"] == "units[2].exec[0]");
    CHECK(find(out, "b")["state"] == "active");
  }
  // The limits as systemd holds them, read back over a separate connection.
  auto bus = connectSystemdBus(c.busAddress());
  REQUIRE(bus);
  auto state = (*bus)->unitState("photon-a.service");
  REQUIRE(state);
  CHECK(state->memory_max == uint64_t{64 << 20});
  CHECK(state->cpu_quota_per_sec_usec == 250'000u);
  // Environment and sandboxing actually reached the process.
  auto host_pid = c.hostPid(static_cast<pid_t>(pid_a));
  REQUIRE(host_pid > 0);
  // The start job of a simple service completes at fork: until systemd's child has exec'd, its
  // environ is systemd's own and no_new_privs is not set yet. Wait (bounded) for the exec.
  auto cmdline = [&] {
    std::ifstream in("/proc/" + std::to_string(host_pid) + "/cmdline");
    return std::string((std::istreambuf_iterator<char>(in)), {});
  };
  for (int i = 0; i < 100 && !cmdline().starts_with("/bin/sleep"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(cmdline().starts_with("/bin/sleep"));
  std::ifstream environ("/proc/" + std::to_string(host_pid) + "/environ");
  std::string env((std::istreambuf_iterator<char>(environ)), {});
  CHECK(env.find("GREETING=hello") != std::string::npos);
  std::ifstream status("/proc/" + std::to_string(host_pid) + "/status");
  std::string st((std::istreambuf_iterator<char>(status)), {});
  CHECK(st.find("NoNewPrivs:\t1") != std::string::npos);

  // A new agent (new connection, nothing in memory) adopts: same MainPID, no restart.
  auto r = reconciler(c);
  auto out = r->reconcile(section);
  CHECK(find(out, "a")["main_pid"] == pid_a);
  CHECK(find(out, "a")["n_restarts"] == 0);

  // A new revision replaces the unit.
  section[0]["revision"] = 2;
  out = r->reconcile(section);
  CHECK(find(out, "a")["revision"] == "2");
  CHECK(find(out, "a")["state"] == "active");
  CHECK(find(out, "a")["main_pid"] != pid_a);

  // An instance unit nothing desires (left behind: it carries the domain's revision marker) is
  // stopped; so is a removed instance. A photon-* unit the domain did not start — the agent's
  // own photon-agent.service on a NixOS node — is left alone.
  TransientUnit stray;
  stray.name = "photon-stray.service";
  stray.description = unitDescription("stray", "3");
  stray.exec_start = {"/bin/sleep", "1000"};
  REQUIRE((*bus)->startTransientUnit(stray));
  TransientUnit agent;
  agent.name = "photon-agent.service";
  agent.description = "Photon node agent";
  agent.exec_start = {"/bin/sleep", "1000"};
  REQUIRE((*bus)->startTransientUnit(agent));
  out = r->reconcile(Json{section[0]});
  CHECK(find(out, "b").is_null());
  CHECK((*bus)->unitState("photon-b.service")->load_state == "not-found");
  CHECK((*bus)->unitState("photon-stray.service")->load_state == "not-found");
  CHECK((*bus)->unitState("photon-a.service")->active_state == "active");
  CHECK((*bus)->unitState("photon-agent.service")->active_state == "active");
}

TEST_CASE("units systemd: a crashed instance is restarted by systemd and counted",
          "[units][integration]") {
  NspawnContainer c(containerOptions("crash"));
  auto r = reconciler(c);
  Json section = {instance("crashy", 1)};
  auto out = r->reconcile(section);
  REQUIRE(find(out, "crashy")["state"] == "active");
  auto pid = find(out, "crashy")["main_pid"].get<uint32_t>();
  auto host_pid = c.hostPid(static_cast<pid_t>(pid));
  REQUIRE(host_pid > 0);
  REQUIRE(::kill(host_pid, SIGKILL) == 0);
  out = reconcileUntil(*r, section, [&](const Json& o) {
    auto i = find(o, "crashy");
    return i["n_restarts"].get<uint32_t>() >= 1 && i["state"] == "active" && i["main_pid"] != pid;
  });
  auto i = find(out, "crashy");
  CHECK(i["n_restarts"].get<uint32_t>() >= 1);
  CHECK(i["state"] == "active");
  CHECK(i["main_pid"] != pid);
  CHECK(i["revision"] == "1");  // restarted by systemd, not replaced by the agent
}

TEST_CASE("units systemd: a failing health check makes the instance unhealthy",
          "[units][integration]") {
  NspawnContainer c(containerOptions("health"));
  auto r = reconciler(c);
  Json sick = instance("sick", 1);
  sick["health"] = {{"tcp", {{"port", 1}}}, {"interval_s", 1}, {"rise", 1}, {"fall", 2}};
  Json fine = instance("fine", 1);
  fine["health"] = {{"exec", {"/bin/true"}}, {"interval_s", 1}, {"rise", 1}, {"fall", 2}};
  Json section = {sick, fine};
  auto out = reconcileUntil(*r, section, [](const Json& o) {
    return find(o, "sick")["health"] == "unhealthy" && find(o, "fine")["health"] == "healthy";
  });
  CHECK(find(out, "sick")["health"] == "unhealthy");
  CHECK(find(out, "sick")["health_error"].get<std::string>().find("refused") != std::string::npos);
  CHECK(find(out, "sick")["state"] == "active");  // running, yet not healthy
  CHECK(find(out, "fine")["health"] == "healthy");
  CHECK(r->serviceHealth()->healthy("fine"));
  CHECK_FALSE(r->serviceHealth()->healthy("sick"));
}

TEST_CASE("units systemd: a container instance runs its image under systemd-nspawn",
          "[units][integration]") {
  NspawnContainer c(containerOptions("ctr"));
  photon::test::TempDir tmp;
  photon::test::installBusyboxImage(c, tmp, "tiny", {"sh", "sleep"});

  auto r = reconciler(c);
  Json ctr = {{"name", "tiny"},
              {"kind", "container"},
              {"image", "tiny"},
              {"exec", {"/bin/sleep", "1001"}},
              {"revision", 1},
              {"restart", "always"},
              {"resources", {{"memory_bytes", 128 << 20}}}};
  auto out = r->reconcile(Json{ctr});
  REQUIRE(find(out, "tiny")["state"] == "active");
  // Still up a moment later (a broken nspawn exits at once), and its payload runs in a PID
  // namespace of its own, nested in the test container's.
  std::this_thread::sleep_for(1s);
  out = r->reconcile(Json{ctr});
  auto i = find(out, "tiny");
  CHECK(i["state"] == "active");
  CHECK(i["n_restarts"] == 0);
  CHECK(i["memory_max"] == (128 << 20));
  auto outer_ns = std::filesystem::read_symlink("/proc/" + std::to_string(c.initPid()) + "/ns/pid");
  bool nested = false;
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    std::ifstream cmd(e.path() / "cmdline");
    std::string line((std::istreambuf_iterator<char>(cmd)), {});
    if (line != std::string("/bin/sleep\0"
                            "1001\0",
                            16))
      continue;
    std::error_code ec;
    auto ns = std::filesystem::read_symlink(e.path() / "ns/pid", ec);
    if (!ec && ns != outer_ns) nested = true;
  }
  CHECK(nested);
  // Removing it stops the container promptly: SIGTERM reaches the payload through nspawn's stub
  // init instead of waiting out the stop timeout.
  auto start = std::chrono::steady_clock::now();
  out = r->reconcile(Json::array());
  CHECK(find(out, "tiny").is_null());
  CHECK(std::chrono::steady_clock::now() - start < 10s);
  auto bus = connectSystemdBus(c.busAddress());
  REQUIRE(bus);
  CHECK((*bus)->unitState("photon-tiny.service")->load_state == "not-found");
}

TEST_CASE("units systemd: a missing binary fails the start, with systemd's answer",
          "[units][integration]") {
  NspawnContainer c(containerOptions("missing"));
  auto r = reconciler(c);
  Json section = {{{"name", "ghost"},
                   {"exec", {"/nonexistent/photon-ghost"}},
                   {"revision", 1},
                   {"restart", "no"}}};
  // Type=exec: the start job itself fails; a simple unit would have started and died after.
  auto out = r->reconcile(section);
  auto ghost = find(out, "ghost");
  INFO(out.dump());
  REQUIRE(ghost.contains("error"));
  CHECK(ghost["error"].get<std::string>().find("job ended failed") != std::string::npos);
}

TEST_CASE("units systemd: containers booted side by side do not share a cgroup tree",
          "[units][integration]") {
  // Sharing one made their systemds race on same-named units (219/CGROUP, a degraded system).
  NspawnContainer a(containerOptions("side-a"));
  NspawnContainer b(containerOptions("side-b"));
  auto systemdCgroup = [](pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
    std::string line;
    while (std::getline(in, line)) {
      if (line.find(":name=systemd:") != std::string::npos || line.starts_with("0::")) return line;
    }
    return std::string();
  };
  auto in_a = systemdCgroup(a.initPid());
  auto in_b = systemdCgroup(b.initPid());
  INFO(in_a << " / " << in_b);
  REQUIRE_FALSE(in_a.empty());
  CHECK(in_a != in_b);
  CHECK(in_a.find("photon-units-side-a") != std::string::npos);
}
