// Units benchmark against a real systemd booted in systemd-nspawn, driven over its bus from the
// host: desired-to-active latency, crash detection latency, and the agent's CPU while it
// supervises 200 instances. Run: scripts/bench 30-units (figures in docs/benchmarks.md).
#include <sys/resource.h>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>
#include <vector>

#include "agent/units/sd_systemd_bus.h"
#include "agent/units/units_reconciler.h"
#include "tests/support/nspawn_container.h"

using namespace photon::agent;
using photon::common::Json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

void report(const char* what, std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::printf("%-44s n=%zu median=%.1f ms p90=%.1f ms max=%.1f ms\n", what, v.size(),
              v[v.size() / 2], v[v.size() * 9 / 10], v.back());
}

Json instance(const std::string& name) {
  return {{"name", name},
          {"exec", {"/bin/sleep", "100000"}},
          {"revision", 1},
          {"restart", "always"},
          {"resources", {{"memory_bytes", 64 << 20}}}};
}

const Json* find(const Json& out, const std::string& name) {
  for (const auto& i : out["instances"]) {
    if (i["name"] == name) return &i;
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: units_bench SOURCE_DIR BUILD_DIR\n");
    return 2;
  }
  auto rootfs = photon::test::ensureNspawnRootfs(argv[1], argv[2]);
  photon::test::NspawnContainer::Options options;
  options.rootfs = rootfs;
  options.name = "photon-units-bench";
  photon::test::NspawnContainer c(options);
  auto made = makeUnitsReconciler(c.busAddress());
  if (!made) {
    std::fprintf(stderr, "units bench: %s\n", made.error().message.c_str());
    return 1;
  }
  auto& r = **made;

  // 1. A desired instance appears -> its unit is active (one reconcile pass, which waits for
  //    the start job).
  Json section = Json::array();
  std::vector<double> start_ms;
  for (int i = 0; i < 20; ++i) {
    section.push_back(instance("start-" + std::to_string(i)));
    auto t0 = Clock::now();
    auto out = r.reconcile(section);
    auto* o = find(out, "start-" + std::to_string(i));
    if (!o || (*o)["state"] != "active") {
      std::fprintf(stderr, "units bench: instance did not start: %s\n", out.dump().c_str());
      return 1;
    }
    start_ms.push_back(ms(Clock::now() - t0));
  }
  report("desired -> unit active", start_ms);

  // 2. A crash (SIGKILL of the main process) -> the agent sees it, woken by PropertiesChanged.
  auto bus = connectSystemdBus(c.busAddress());
  if (!bus) return 1;
  std::vector<double> detect_ms;
  for (int i = 0; i < 10; ++i) {
    auto name = "photon-start-" + std::to_string(i) + ".service";
    auto before = (*bus)->unitState(name);
    if (!before || before->main_pid == 0) return 1;
    pid_t host = c.hostPid(static_cast<pid_t>(before->main_pid));
    (void)r.waitForChange(0ms);  // drop events from earlier rounds
    auto t0 = Clock::now();
    ::kill(host, SIGKILL);
    bool seen = false;
    while (!seen && Clock::now() - t0 < 10s) {
      if (!r.waitForChange(1s).value_or(false)) continue;
      auto now = (*bus)->unitState(name);
      seen = now && (now->main_pid != before->main_pid || now->active_state != "active");
    }
    if (!seen) return 1;
    detect_ms.push_back(ms(Clock::now() - t0));
    std::this_thread::sleep_for(300ms);  // let systemd's restart settle
  }
  report("crash -> detected by the agent", detect_ms);

  // 3. 200 instances: start them, then one reconcile pass per second for 10 s.
  section = Json::array();
  for (int i = 0; i < 200; ++i) section.push_back(instance("fleet-" + std::to_string(i)));
  auto t0 = Clock::now();
  auto out = r.reconcile(section);
  int active = 0;
  for (const auto& i : out["instances"]) active += i["state"] == "active";
  std::printf("%-44s %d active in %.1f s\n", "start 200 instances (one pass)", active,
              ms(Clock::now() - t0) / 1000);
  std::vector<double> pass_ms;
  double cpu0 = cpuSeconds();
  auto w0 = Clock::now();
  for (int i = 0; i < 10; ++i) {
    auto p0 = Clock::now();
    out = r.reconcile(section);
    pass_ms.push_back(ms(Clock::now() - p0));
    auto next = p0 + 1s;
    while (Clock::now() < next)
      (void)r.waitForChange(
          std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()));
  }
  double cpu = cpuSeconds() - cpu0;
  double wall = ms(Clock::now() - w0) / 1000;
  report("reconcile pass over 200 units", pass_ms);
  std::printf("%-44s %.1f%% of one core (%.2f s CPU in %.1f s)\n",
              "agent CPU, 200 units, a pass per second", 100 * cpu / wall, cpu, wall);
  return 0;
}
