// run mode as systemd runs it: the real photon-agent binary, sd_notify over a socket this test
// listens on, signals, a config file re-read on SIGHUP, corrupt state files.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "agent/core/node_credentials.h"
#include "tests/agent/agent_process.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using photon::test::AgentProcess;
using photon::test::CoordinatorFixture;
using photon::test::TempDir;
using photon::test::waitUntil;
using namespace std::chrono_literals;
using common::Json;

namespace {
// A NOTIFY_SOCKET, drained all the time by a thread of its own as systemd drains it (a unix
// datagram queue holds only 10 messages; a full one blocks the sender).
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("bind notify socket");
    }
    reader_ = std::thread([this] {
      while (!done_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        char buf[4096];
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) continue;
        std::lock_guard lock(mutex_);
        messages_.emplace_back(buf, static_cast<size_t>(n));
      }
    });
  }
  ~NotifySocket() {
    done_ = true;
    reader_.join();
    ::close(fd_);
  }
  void collect(std::chrono::milliseconds wait) { std::this_thread::sleep_for(wait); }
  int count(const std::string& prefix) const {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& m : messages_) n += m.starts_with(prefix) ? 1 : 0;
    return n;
  }
  std::string env() const { return "NOTIFY_SOCKET=" + path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::atomic<bool> done_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
  std::thread reader_;
};

struct Enrolled {
  std::string id;
  std::string token;
};

Enrolled enroll(CoordinatorFixture& c, const std::string& state_dir) {
  auto r = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(r.status == 200);
  Enrolled e{r.body["node_id"], r.body["token"]};
  REQUIRE(agent::saveCredentials(state_dir, {e.id, e.token}));
  return e;
}

Json observedOf(CoordinatorFixture& c, const std::string& id) {
  return c.admin("GET", "/api/v1/nodes/" + id + "/observed").body.value("observed", Json());
}
}  // namespace

TEST_CASE(
    "run binary: notifies systemd, converges, follows SIGHUP to a restarted coordinator, "
    "stops on SIGTERM",
    "[agent]") {
  TempDir data, t;
  auto c = std::make_unique<CoordinatorFixture>(data.file("coordinator"));
  auto node = enroll(*c, t.path());
  std::string config = t.write("agent.json", Json{{"coordinator", c->url()}}.dump());
  NotifySocket notify(t.file("notify.sock"));
  AgentProcess agent({"run", "--state-dir", t.path(), "--config", config, "--poll-interval", "1",
                      "--long-poll", "5", "--retry-max", "0.5"},
                     t.file("agent.log"), {notify.env(), "WATCHDOG_USEC=400000"});

  int64_t revision = c->admin("PUT", "/api/v1/nodes/" + node.id + "/desired/system",
                              Json{{"profile", "/nix/store/x"}})
                         .body["revision"];
  REQUIRE(waitUntil(
      [&] { return observedOf(*c, node.id).value("desired_revision", 0) == revision; }, 10s));
  notify.collect(1s);
  INFO(agent.log());
  CHECK(notify.count("READY=1") == 1);
  CHECK(notify.count("STATUS=desired revision") >= 1);
  CHECK(notify.count("WATCHDOG=1") >= 3);  // every 200 ms: half of WATCHDOG_USEC
  Json observed = observedOf(*c, node.id);
  CHECK(observed["agent_version"] == PHOTON_VERSION);
  CHECK(observed["facts_digest"].get<std::string>().size() == 64);
  CHECK(observed["domains"] == Json::object());  // no domain is registered in this build

  // The coordinator goes away; the agent says so and keeps going. (Within its request
  // timeout: a coordinator stopped inside this process may leave the agent's request in
  // flight unanswered, where a coordinator process that exits closes it at once.)
  c.reset();
  REQUIRE(waitUntil(
      [&] {
        notify.collect(100ms);
        return notify.count("STATUS=desired revision " + std::to_string(revision) +
                            ", 0 domains, coordinator unreachable") >= 1;
      },
      25s));
  CHECK(agent.running());

  // It comes back on another port: a new config and SIGHUP.
  c = std::make_unique<CoordinatorFixture>(data.file("coordinator"));
  t.write("agent.json", Json{{"coordinator", c->url()}}.dump());
  agent.signal(SIGHUP);
  int64_t next = c->admin("PUT", "/api/v1/nodes/" + node.id + "/desired/system",
                          Json{{"profile", "/nix/store/y"}})
                     .body["revision"];
  REQUIRE(
      waitUntil([&] { return observedOf(*c, node.id).value("desired_revision", 0) == next; }, 10s));
  CHECK(agent.log().find("reloaded: coordinator " + c->url()) != std::string::npos);

  // SIGTERM while parked in a long-poll: a clean exit, at once.
  std::this_thread::sleep_for(500ms);
  auto stop_at = std::chrono::steady_clock::now();
  agent.signal(SIGTERM);
  auto code = agent.waitExit(5s);
  if (!code) FAIL("no exit within 5 s of SIGTERM:\n" << agent.log());
  CHECK(*code == 0);
  CHECK(std::chrono::steady_clock::now() - stop_at < 2s);
  notify.collect(200ms);
  CHECK(notify.count("STOPPING=1") == 1);
}

TEST_CASE("run binary: a corrupt token file stops it with a re-enroll message", "[agent]") {
  CoordinatorFixture c;
  TempDir t;
  enroll(c, t.path());
  t.write("node-token", "\x7f\x45\x4c\x46 truncated");
  AgentProcess agent({"run", "--coordinator", c.url(), "--state-dir", t.path()},
                     t.file("agent.log"));
  auto code = agent.waitExit(10s);
  REQUIRE(code);
  CHECK(*code == 78);
  std::string log = agent.log();
  INFO(log);
  CHECK(log.find("node-token is corrupt") != std::string::npos);
  CHECK(log.find("re-run `photon-agent bootstrap`") != std::string::npos);
}

TEST_CASE("run binary: --help names the flags", "[agent]") {
  TempDir t;
  AgentProcess agent({"run", "--help"}, t.file("out"));
  REQUIRE(agent.waitExit(5s) == 0);
  for (const char* flag : {"--coordinator", "--state-dir", "--poll-interval", "--long-poll"}) {
    CHECK(agent.log().find(flag) != std::string::npos);
  }
  AgentProcess boot({"bootstrap", "--help"}, t.file("out2"));
  REQUIRE(boot.waitExit(5s) == 0);
  CHECK(boot.log().find("--install-step") != std::string::npos);
  CHECK(boot.log().find("--reboot-command") != std::string::npos);
}
