// The health checks on their own: real HTTP and TCP servers on 127.0.0.1, real programs, and a
// hand-made UnitStates.
#include "agent/nixos/health.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <map>
#include <thread>

using namespace photon::agent;

namespace {
class FakeUnits final : public UnitStates {
 public:
  std::map<std::string, std::string> states;
  photon::common::Result<std::string> activeState(const std::string& unit) override {
    auto it = states.find(unit);
    if (it == states.end())
      return photon::common::fail(photon::common::ErrorCode::kNotFound, "no such unit");
    return it->second;
  }
};

struct Server {
  httplib::Server server;
  int port = 0;
  std::thread thread;
  Server() {
    server.set_tcp_nodelay(true);
    server.Get("/ok", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok", "text/plain");
    });
    server.Get("/down", [](const httplib::Request&, httplib::Response& res) { res.status = 503; });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~Server() {
    server.stop();
    thread.join();
  }
};
}  // namespace

TEST_CASE("nixos health: each kind of check passes and fails for real", "[nixos]") {
  auto runner = makeProcessRunner();
  FakeUnits units;
  units.states = {{"nginx.service", "active"}, {"db.service", "failed"}};
  auto checker = makeHealthChecker(*runner, units, std::chrono::seconds(2));
  Server server;
  REQUIRE(server.port > 0);
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port);

  HealthSpec good;
  good.units = {"nginx.service"};
  good.http = {base + "/ok"};
  good.tcp = {"127.0.0.1:" + std::to_string(server.port)};
  good.exec = {{"/bin/sh", "-c", "exit 0"}};
  CHECK(checker->check(good));
  CHECK(checker->check(HealthSpec{}));

  auto failure = [&](HealthSpec spec) {
    auto r = checker->check(spec);
    REQUIRE_FALSE(r);
    return r.error().message;
  };
  HealthSpec s = good;
  s.units = {"db.service"};
  CHECK_THAT(failure(s), Catch::Contains("unit db.service is failed"));
  s = good;
  s.units = {"gone.service"};
  CHECK_THAT(failure(s), Catch::Contains("unit gone.service"));
  s = good;
  s.http = {base + "/down"};
  CHECK_THAT(failure(s), Catch::Contains("status 503"));
  s = good;
  s.http = {base + "/missing"};
  CHECK_THAT(failure(s), Catch::Contains("status 404"));
  s = good;
  s.exec = {{"/bin/sh", "-c", "echo not ready; exit 2"}};
  CHECK_THAT(failure(s), Catch::Contains("exit code 2: not ready"));
  s = good;
  s.exec = {{"/bin/sleep", "10"}};
  CHECK_THAT(failure(s), Catch::Contains("timed out"));
}
