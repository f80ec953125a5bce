// VM placement through the real coordinator (in process, SQLite in a temp dir, HTTP over
// loopback): NODES active nodes with virtualization, then VMS `PUT /api/v1/vms/{name}` from
// THREADS clients, each placed by memory; requests/s and the spread. Then the pure placeVm
// over the same number of hosts, for the share the store and HTTP take. The rate and the
// process's CPU time per request are printed per tenth of the VMs, so that a cost growing with
// the VMs already placed shows (the clients are in the process: their HTTP is in the CPU time).
// STORE "etcd" runs the coordinator on a real 3-member etcd instead of SQLite; the members' CPU
// per request is then printed apart. Run by scripts/bench.d/55-vm-placement.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "coordinator/vms/vm_placement.h"
#include "tests/support/bench_store.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/process_cpu.h"

using namespace photon;
using common::Json;

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: vm_placement_bench NODES VMS THREADS [sqlite|etcd]\n";
    return 2;
  }
  int node_count = std::stoi(argv[1]), vm_count = std::stoi(argv[2]), threads = std::stoi(argv[3]);
  const std::string kind = argc == 5 ? argv[4] : "sqlite";
  test::TempDir dir;
  std::unique_ptr<test::EtcdCluster> etcd;  // outlives the coordinator
  test::CoordinatorFixture c(test::openBenchStore(kind, dir, etcd));
  Json cluster = test::CoordinatorFixture::sampleCluster();
  cluster["pools"][0]["cidr"] = "10.0.0.0/16";
  cluster["pools"][0]["gateway"] = "10.0.0.1";
  cluster["pools"][0]["range_start"] = "10.0.0.10";
  cluster["pools"][0]["range_end"] = "10.0.255.250";
  if (c.admin("PUT", "/api/v1/cluster", cluster).status != 200) return 1;
  for (int i = 0; i < node_count; ++i) {
    Json m = test::CoordinatorFixture::machine(i);
    m["facts"]["memory_bytes"] = int64_t{256} << 30;
    m["facts"]["cpu"]["virtualization"] = true;
    auto r = c.bootstrap("POST", "/api/v1/phone-home", m);
    if (r.status != 200) return 1;
    std::string id = r.body["node_id"], token = r.body["token"];
    for (const char* phase : {"installing", "installed"}) {
      c.as(token, "PUT", "/api/v1/nodes/" + id + "/observed",
           Json{{"install", {{"phase", phase}}}}.dump());
    }
  }

  auto cpuSeconds = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  auto etcdCpuSeconds = [&] {
    double total = 0;
    for (size_t i = 0; etcd && i < etcd->members(); ++i) {
      total += test::processCpuSeconds(std::to_string(etcd->memberPid(i)));
    }
    return total;
  };
  struct Mark {
    int done;
    std::chrono::steady_clock::time_point at;
    double cpu;
    double etcd_cpu;
  };
  std::mutex marks_mutex;
  std::vector<Mark> marks{{0, std::chrono::steady_clock::now(), cpuSeconds(), etcdCpuSeconds()}};
  const int step = std::max(1, vm_count / 10);
  std::atomic<int> next{0}, failures{0}, completed{0};
  std::vector<std::thread> pool;
  auto started = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      auto client = common::HttpClient::create(c.url());
      (*client)->setToken(test::kAdminToken);
      for (int i = next++; i < vm_count; i = next++) {
        Json vm = {{"memory_mib", 512 + 256 * (i % 8)},
                   {"kernel", "/var/lib/photon/images/vmlinuz"},
                   {"disks", {{{"id", "root"}, {"image", "vm.qcow2"}, {"size_gib", 10}}}},
                   {"nics", {{{"id", "n0"}, {"mac", "52:54:00:00:00:01"}, {"user", true}}}}};
        auto r = (*client)->request("PUT", "/api/v1/vms/vm-" + std::to_string(i), vm.dump());
        if (!r || r->status != 201) ++failures;
        if (int done = ++completed; done % step == 0) {
          std::lock_guard lock(marks_mutex);
          marks.push_back({done, std::chrono::steady_clock::now(), cpuSeconds(), etcdCpuSeconds()});
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "PUT /api/v1/vms on %s: %d VMs on %d nodes from %d threads in %.2f s (%.0f/s), %d failed\n",
      kind.c_str(), vm_count, node_count, threads, seconds, vm_count / seconds, failures.load());

  std::sort(marks.begin(), marks.end(),
            [](const Mark& a, const Mark& b) { return a.done < b.done; });
  for (size_t i = 1; i < marks.size(); ++i) {
    int n = marks[i].done - marks[i - 1].done;
    double wall = std::chrono::duration<double>(marks[i].at - marks[i - 1].at).count();
    std::printf("  VMs %6d..%6d: %6.0f requests/s, %.2f ms CPU a request", marks[i - 1].done,
                marks[i].done, n / wall, (marks[i].cpu - marks[i - 1].cpu) / n * 1e3);
    if (etcd) {
      std::printf(", etcd members %.2f ms", (marks[i].etcd_cpu - marks[i - 1].etcd_cpu) / n * 1e3);
    }
    std::printf("\n");
  }

  auto list = c.admin("GET", "/api/v1/vms");
  std::map<std::string, int> per_node;
  for (const auto& v : list.body["vms"]) ++per_node[v["node"].get<std::string>()];
  int fewest = vm_count, most = 0;
  for (const auto& [node, n] : per_node) {
    fewest = std::min(fewest, n);
    most = std::max(most, n);
  }
  std::printf("spread: %zu nodes used, %d..%d VMs a node\n", per_node.size(), fewest, most);

  // The decision alone, on as many hosts.
  std::vector<coordinator::VmHost> hosts;
  for (int i = 0; i < node_count; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "node-%05d", i);
    hosts.push_back(
        {id, common::NodeState::kActive, true, 262144, int64_t{512} * (i % 97), i % 13});
  }
  constexpr int kDecisions = 20000;
  auto pure_start = std::chrono::steady_clock::now();
  size_t sink = 0;
  for (int i = 0; i < kDecisions; ++i) {
    auto placed = coordinator::placeVm(hosts, {"vm", 512 + i % 1024, "", ""});
    sink += placed ? placed->size() : 0;
  }
  double pure =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - pure_start).count();
  std::printf("placeVm alone over %d hosts: %.2f us a decision (%zu)\n", node_count,
              pure / kDecisions * 1e6, sink % 10);
  return failures.load() == 0 ? 0 : 1;
}
