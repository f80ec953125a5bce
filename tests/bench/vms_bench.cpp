// VMs benchmark against real QEMU (TCG) and the tiny test guest: desired VM -> QMP ready, the
// hot-plug round trip (disk add until present; unplug until DEVICE_DELETED is finished), and
// the agent's memory and reconcile time while it holds 20 VMs. Run: scripts/bench 50-vms
// (figures in docs/benchmarks.md). Usage: vms_bench SOURCE_DIR BUILD_DIR
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/agent/vms/qemu_fixture.h"

using namespace photon::agent;
using namespace photon::test;
using photon::common::Json;
using Clock = std::chrono::steady_clock;

namespace {

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

long rssKib(const std::string& pid = "self") {
  std::ifstream in("/proc/" + pid + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

const Json& vmOf(const Json& observed, const std::string& name) {
  static const Json kNone;
  const Json* vm = findVm(observed, name);
  return vm ? *vm : kNone;
}

bool has(const Json& list, const std::string& item) {
  return list.is_array() && std::find(list.begin(), list.end(), Json(item)) != list.end();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: vms_bench SOURCE_DIR BUILD_DIR\n");
    return 2;
  }
  VmWorld world{buildVmGuest(argv[1], argv[2])};
  auto reconciler = makeVmReconciler(world.options());
  constexpr int kRounds = 5;

  // 1. Desired -> QMP ready: one reconcile that spawns QEMU and finishes the QMP handshake.
  std::vector<double> start_ms;
  Json section = Json::array();
  for (int i = 0; i < kRounds; ++i) {
    Json vm = world.vm("s" + std::to_string(i), 64);
    vm["state"] = "paused";  // no guest CPU: only start-up is measured
    section.push_back(vm);
    auto t0 = Clock::now();
    Json o = reconciler->reconcile(section);
    start_ms.push_back(ms(Clock::now() - t0));
    if (vmOf(o, vm["name"])["pid"].get<int>() == 0) {
      std::fprintf(stderr, "start failed: %s\n", o.dump().c_str());
      return 1;
    }
  }

  // 2. Hot-plug round trip on a booted guest.
  Json hp = world.vm("hp", 128);
  section.push_back(hp);
  reconciler->reconcile(section);
  if (waitForText(world.console("hp"), "photon-guest: block=") == std::string::npos) {
    std::fprintf(stderr, "guest did not boot\n");
    return 1;
  }
  std::vector<double> add_ms, unplug_ms;
  for (int i = 0; i < kRounds; ++i) {
    std::string id = "x" + std::to_string(i);
    section.back()["disks"] =
        Json::array({{{"id", id}, {"image", id + ".qcow2"}, {"size_gib", 1}}});
    // The image is created outside the timed part: the round trip is QMP, not qemu-img.
    auto create = makeVmProcessRunner()->run({"qemu-img", "create", "-q", "-f", "qcow2",
                                              world.tmp.path() + "/images/" + id + ".qcow2", "1G"},
                                             std::chrono::seconds(30));
    if (!create || *create != 0) return 1;
    auto t0 = Clock::now();
    Json o = reconciler->reconcile(section);
    add_ms.push_back(ms(Clock::now() - t0));
    if (!has(vmOf(o, "hp")["devices"], id)) {
      std::fprintf(stderr, "hot-plug failed: %s\n", o.dump().c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let the guest bind it
    section.back()["disks"] = Json::array();
    t0 = Clock::now();
    bool done = false;
    for (int k = 0; k < 400 && !done; ++k) {
      Json observed = reconciler->reconcile(section);
      const Json& vm = vmOf(observed, "hp");
      done = vm["pending_unplug"].empty() && !has(vm["devices"], id);
      if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!done) return 1;
    unplug_ms.push_back(ms(Clock::now() - t0));
  }

  // 3. The agent with 20 VMs (paused, 64 MiB each: the agent's cost, not the guests').
  section.erase(section.size() - 1);
  long rss_before = rssKib();
  for (int i = kRounds; i < 20; ++i) {
    Json vm = world.vm("s" + std::to_string(i), 64);
    vm["state"] = "paused";
    section.push_back(vm);
  }
  Json o = reconciler->reconcile(section);
  // The hot-plug VM leaves the section: stopping it runs alongside.
  for (int k = 0; k < 100 && findVm(o, "hp"); ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    o = reconciler->reconcile(section);
  }
  int running = 0;
  long qemu_rss = 0;
  for (const auto& vm : o["vms"]) {
    if (vm["pid"].get<int>() > 0) {
      ++running;
      qemu_rss += rssKib(std::to_string(vm["pid"].get<int>()));
    }
  }
  std::vector<double> pass_ms;
  for (int i = 0; i < 10; ++i) {
    auto t0 = Clock::now();
    o = reconciler->reconcile(section);
    pass_ms.push_back(ms(Clock::now() - t0));
  }
  long rss_after = rssKib();

  std::printf("vms: accel %s\n", o["accel"].get<std::string>().c_str());
  std::printf(
      "vms: desired -> QMP ready (spawn + greeting + capabilities), median of %d: %.1f ms\n",
      kRounds, median(start_ms));
  std::printf(
      "vms: disk hot-plug round trip (blockdev-add + device_add + qom-list), median: %.1f ms\n",
      median(add_ms));
  std::printf(
      "vms: disk unplug round trip (device_del .. DEVICE_DELETED .. blockdev-del), median: %.1f "
      "ms\n",
      median(unplug_ms));
  std::printf(
      "vms: %d VMs held: agent RSS %ld KiB (before the last 15: %ld KiB), QEMU RSS total %ld MiB\n",
      running, rss_after, rss_before, qemu_rss / 1024);
  std::printf("vms: steady reconcile pass over %d VMs (2 QMP queries each), median: %.1f ms\n",
              running, median(pass_ms));
  return running == 20 ? 0 : 1;
}
