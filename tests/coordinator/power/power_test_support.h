// What the [power] API and photonctl tests share: the power service ticked on its own thread as
// the control loop ticks it, enrolment, a BMC document, awaiting an operation's outcome, and
// the real photonctl binary.
#pragma once

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "coordinator/power/power_service.h"
#include "tests/coordinator/power/ipmi_sim.h"
#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"

namespace photon::test {

// The power service with its own control loop (every 50 ms), as main() adds it to the server.
class TickedPower {
 public:
  explicit TickedPower(CoordinatorFixture& c,
                       std::chrono::milliseconds deadline = std::chrono::milliseconds(2000)) {
    coordinator::power::PowerOptions options;
    options.poll_interval = std::chrono::seconds(0);
    options.manager.deadline = deadline;
    service_ = std::make_unique<coordinator::power::PowerService>(c.server().inventory(),
                                                                  c.server().store(), options);
    thread_ = std::thread([this] {
      while (!stop_) {
        service_->tick();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  ~TickedPower() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::unique_ptr<coordinator::power::PowerService> service_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

inline std::string enrol(CoordinatorFixture& c, int n) {
  auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(n));
  REQUIRE(r.status == 200);
  return r.body["node_id"].get<std::string>();
}

inline common::Json ipmiBmc(int port, const std::string& password) {
  return common::Json{{"driver", "ipmi"},
                      {"address", "127.0.0.1"},
                      {"port", port},
                      {"username", "admin"},
                      {"password", password}};
}

// Enrols machine n and gives it `sim` as its BMC; returns the node's id.
inline std::string enrolWithBmc(CoordinatorFixture& c, int n, const IpmiSim& sim) {
  std::string id = enrol(c, n);
  REQUIRE(c.admin("PUT", "/api/v1/nodes/" + id + "/bmc", ipmiBmc(sim.port(), IpmiSim::kPassword))
              .status == 200);
  return id;
}

// Long-polls GET .../power until operation `op` is in the history; returns its entry.
inline common::Json awaitOperation(CoordinatorFixture& c, const std::string& id,
                                   const std::string& op) {
  int64_t since = 0;
  for (int i = 0; i < 40; ++i) {
    auto r = c.admin("GET", "/api/v1/nodes/" + id + "/power?wait=5&since=" + std::to_string(since));
    REQUIRE(r.status == 200);
    for (const auto& h : r.body["history"]) {
      if (h["id"] == op) return h;
    }
    since = r.body["revision"].get<int64_t>();
  }
  FAIL("operation " << op << " never finished");
  return {};
}

struct CtlRun {
  int code;
  std::string output;
};

// The real photonctl, with the admin token, its stdout and stderr together.
inline CtlRun photonctl(TempDir& dir, const std::string& url, std::vector<std::string> args) {
  std::string token = dir.write("admin.token", std::string(kAdminToken) + "\n");
  std::vector<std::string> argv = {PHOTON_BUILD_DIR "/coordinator/photonctl", "--coordinator", url,
                                   "--token-file", token};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string log = dir.file("photonctl.log");
  std::remove(log.c_str());
  ChildProcess p(argv, log);
  int code = p.wait(std::chrono::seconds(30));
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {code, text.str()};
}

// The line of a table that names `node` ("" when none does).
inline std::string lineOf(const std::string& text, const std::string& node) {
  auto at = text.find(node);
  return at == std::string::npos ? std::string() : text.substr(at, text.find('\n', at) - at);
}

}  // namespace photon::test
