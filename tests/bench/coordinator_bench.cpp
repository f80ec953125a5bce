// Load generator for the coordinator benchmark (scripts/bench.d/10-coordinator): applies a
// cluster with a /16 pool, phones home N machines from T threads over loopback, reports the
// time, and writes a wrk Lua script that polls every node's desired state with its own token
// and If-None-Match (so the poll answers 304).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "common/http_client.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: coordinator_bench URL ADMIN_TOKEN BOOTSTRAP_TOKEN COUNT THREADS "
                 "WRK_LUA_OUT\n";
    return 2;
  }
  std::string url = argv[1], admin_token = argv[2], boot_token = argv[3], lua_out = argv[6];
  int count = std::stoi(argv[4]), threads = std::stoi(argv[5]);

  auto admin = common::HttpClient::create(url);
  (*admin)->setToken(admin_token);
  Json cluster = test::CoordinatorFixture::sampleCluster();
  cluster["pools"][0]["cidr"] = "10.0.0.0/16";
  cluster["pools"][0]["gateway"] = "10.0.0.1";
  cluster["pools"][0]["range_start"] = "10.0.0.10";
  cluster["pools"][0]["range_end"] = "10.0.255.250";
  auto applied = (*admin)->request("PUT", "/api/v1/cluster", cluster.dump());
  if (!applied || applied->status != 200) {
    std::cerr << "cluster apply failed\n";
    return 1;
  }

  std::vector<std::pair<std::string, std::string>> nodes(count);  // id, token
  std::atomic<int> next{0}, failures{0};
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      auto boot = common::HttpClient::create(url);
      (*boot)->setToken(boot_token);
      for (int i = next++; i < count; i = next++) {
        Json m = test::CoordinatorFixture::machine(i);
        auto r = (*boot)->request("POST", "/api/v1/phone-home", m.dump());
        if (!r || r->status != 200) {
          ++failures;
          continue;
        }
        auto body = Json::parse(r->body);
        nodes[i] = {body["node_id"], body["token"]};
      }
    });
  }
  for (auto& t : pool) t.join();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("phone-home: %d machines from %d threads in %.2f s (%.0f/s), %d failed\n", count,
              threads, seconds, count / seconds, failures.load());

  // Set a desired section on every node so the desired document is realistic in size.
  Json section = {{"system", "/nix/store/0c9lqkrw9rk6pm4bdrd1wqj8b6qgm9bb-nixos-system-web"},
                  {"mode", "switch"},
                  {"substituters", {"http://cache.local:5000"}},
                  {"confirm_within_s", 120},
                  {"health", {{"units", {"sshd.service", "photon-agent.service"}}}}};
  size_t doc_size = 0;
  std::ofstream lua(lua_out);
  lua << "local nodes = {\n";
  for (const auto& [id, token] : nodes) {
    if (id.empty()) continue;
    auto put = (*admin)->request("PUT", "/api/v1/nodes/" + id + "/desired/system", section.dump());
    auto doc = (*admin)->request("GET", "/api/v1/nodes/" + id + "/desired");
    if (!put || !doc || doc->status != 200) return 1;
    doc_size = doc->body.size();
    lua << "  {\"" << id << "\", \"" << token << "\", '" << doc->header("etag") << "'},\n";
  }
  lua << "}\nlocal i = 0\nrequest = function()\n  i = i % #nodes + 1\n"
         "  local n = nodes[i]\n"
         "  return wrk.format(\"GET\", \"/api/v1/nodes/\" .. n[1] .. \"/desired\", "
         "{[\"Authorization\"] = \"Bearer \" .. n[2], [\"If-None-Match\"] = n[3]})\nend\n";
  std::printf("desired document: %zu bytes\n", doc_size);
  return failures == 0 ? 0 : 1;
}
