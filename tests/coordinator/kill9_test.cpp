// kill -9 at any moment loses no acknowledged write: a real photon-coordinator process under
// concurrent writes is killed, restarted on the same SQLite file, and every write it answered
// 200 to must be there.
#include <catch2/catch.hpp>

#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "common/http_client.h"
#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using common::Json;

namespace {
struct Acknowledged {
  std::mutex mutex;
  std::map<std::string, std::string> nodes;  // machine_id -> node id
  std::map<std::string, int> label_seq;      // node id -> last acknowledged "seq" label
};

std::unique_ptr<test::ChildProcess> startCoordinator(const test::TempDir& dir, int& port) {
  std::remove(dir.file("port").c_str());
  auto child = std::make_unique<test::ChildProcess>(
      std::vector<std::string>{PHOTON_BUILD_DIR "/coordinator/photon-coordinator", "--listen",
                               "127.0.0.1:0", "--data-dir", dir.file("data"), "--admin-token-file",
                               dir.file("admin"), "--bootstrap-token-file", dir.file("boot"),
                               "--port-file", dir.file("port")},
      dir.file("coordinator.log"));
  port = test::waitForPortFile(dir.file("port"), std::chrono::seconds(10));
  return child;
}

// One writer: enrolls machines and relabels them, recording what was acknowledged.
void writer(int port, int worker, std::atomic<bool>& stop, Acknowledged& acked) {
  auto admin = common::HttpClient::create("http://127.0.0.1:" + std::to_string(port));
  auto boot = common::HttpClient::create("http://127.0.0.1:" + std::to_string(port));
  (*admin)->setToken(test::kAdminToken);
  (*boot)->setToken(test::kBootstrapToken);
  int n = 0;
  std::string last_node;
  int seq = 0;
  while (!stop) {
    if (n % 3 != 2 || last_node.empty()) {
      Json m = test::CoordinatorFixture::machine(worker * 100000 + n);
      auto r = (*boot)->request("POST", "/api/v1/phone-home", m.dump());
      if (!r) return;  // the coordinator died under us
      if (r->status == 200) {
        auto body = Json::parse(r->body);
        std::lock_guard lock(acked.mutex);
        acked.nodes[m["machine_id"]] = body["node_id"];
        last_node = body["node_id"];
      }
    } else {
      ++seq;
      auto r = (*admin)->request("PATCH", "/api/v1/nodes/" + last_node,
                                 Json{{"labels", {{"seq", std::to_string(seq)}}}}.dump());
      if (!r) return;
      if (r->status == 200) {
        std::lock_guard lock(acked.mutex);
        acked.label_seq[last_node] = seq;
      }
    }
    ++n;
  }
}
}  // namespace

TEST_CASE("kill -9 loses no acknowledged write", "[inventory][integration]") {
  test::TempDir dir;
  dir.write("admin", test::kAdminToken);
  dir.write("boot", test::kBootstrapToken);
  Acknowledged acked;
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < 3; ++round) {
    int port = 0;
    auto coordinator = startCoordinator(dir, port);
    REQUIRE(port > 0);
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back(writer, port, round * 10 + w, std::ref(stop), std::ref(acked));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 700));
    coordinator->kill(SIGKILL);  // mid-write: the writers see their connections drop
    stop = true;
    for (auto& t : writers) t.join();
  }
  int port = 0;
  auto coordinator = startCoordinator(dir, port);
  REQUIRE(port > 0);
  auto admin = common::HttpClient::create("http://127.0.0.1:" + std::to_string(port));
  (*admin)->setToken(test::kAdminToken);
  auto r = (*admin)->request("GET", "/api/v1/nodes");
  REQUIRE(r);
  REQUIRE(r->status == 200);
  auto nodes = Json::parse(r->body)["nodes"];
  std::map<std::string, Json> by_machine;
  for (const auto& n : nodes) by_machine[n["machine_id"]] = n;
  INFO("acknowledged " << acked.nodes.size() << " enrollments, " << acked.label_seq.size()
                       << " relabelled nodes");
  REQUIRE(acked.nodes.size() > 10);
  for (const auto& [machine, id] : acked.nodes) {
    INFO("machine " << machine);
    REQUIRE(by_machine.contains(machine));
    CHECK(by_machine[machine]["id"] == id);
  }
  std::map<std::string, Json> by_id;
  for (const auto& n : nodes) by_id[n["id"]] = n;
  for (const auto& [id, seq] : acked.label_seq) {
    INFO("node " << id);
    REQUIRE(by_id[id]["labels"].contains("seq"));
    // The stored value is the acknowledged one, or a later write that was in flight.
    CHECK(std::stoi(by_id[id]["labels"]["seq"].get<std::string>()) >= seq);
  }
}
