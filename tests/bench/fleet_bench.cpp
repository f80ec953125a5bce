// Agent benchmarks: (1) the real photon-agent in run mode at a 5 s poll — RSS and CPU over a
// minute; (2) a fleet simulator — N agent run loops (threads, no domains) against one
// coordinator on loopback, time from a change of every node's desired revision until all have
// reported it observed, with 5 s polling and with long-poll. Everything on 127.0.0.1.
//
// Environment: PHOTON_BENCH_AGENTS (1000), PHOTON_BENCH_IDLE_S (60), PHOTON_AGENT_BIN.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "agent/core/node_credentials.h"
#include "agent/run/run_loop.h"
#include "common/clock.h"
#include "common/http_client.h"
#include "common/log.h"
#include "coordinator/auth/tokens.h"
#include "coordinator/coordinator_server.h"
#include "coordinator/store/sqlite_store.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using namespace std::chrono_literals;
using common::Json;
using Clock = std::chrono::steady_clock;

namespace {
int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A coordinator as photon-coordinator runs it by default (the Beast edge, its I/O threads), on
// loopback port 0 with a real SQLite file.
struct Coordinator {
  test::TempDir dir;
  common::SystemClock clock;
  std::unique_ptr<coordinator::CoordinatorServer> server;
  std::unique_ptr<common::HttpClient> admin;

  Coordinator() {
    auto store = coordinator::SqliteStore::open(dir.file("data"));
    if (!store) throw std::runtime_error(store.error().message);
    coordinator::CoordinatorOptions options;  // defaults: the production settings
    options.max_discovered = 0;               // a bench enrols thousands of machines at once
    options.admin_token_hash = coordinator::sha256Hex(test::kAdminToken);
    options.bootstrap_token_hash = coordinator::sha256Hex(test::kBootstrapToken);
    server = std::make_unique<coordinator::CoordinatorServer>(std::move(*store), clock, options);
    if (!server->start()) throw std::runtime_error("coordinator did not start");
    admin = client(test::kAdminToken);
  }
  ~Coordinator() { server->stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
  std::unique_ptr<common::HttpClient> client(const std::string& token) const {
    auto c =
        common::HttpClient::create(url(), {.connect_timeout = 3000ms, .read_timeout = 30000ms});
    if (!c) throw std::runtime_error(c.error().message);
    (*c)->setToken(token);
    return std::move(*c);
  }
  agent::NodeCredentials enroll(int n) {
    auto c = client(test::kBootstrapToken);
    auto r = c->request("POST", "/api/v1/phone-home", test::CoordinatorFixture::machine(n).dump());
    if (!r || r->status != 200) throw std::runtime_error("phone-home failed");
    Json body = Json::parse(r->body);
    return {body["node_id"], body["token"]};
  }
};

// ---- 1. one idle agent ----------------------------------------------------------------------
struct ProcSample {
  double cpu_seconds = 0;
  long rss_kib = 0;
  long hwm_kib = 0;
};

ProcSample sample(pid_t pid) {
  ProcSample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  s.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) s.rss_kib = std::stol(line.substr(6));
    if (line.starts_with("VmHWM:")) s.hwm_kib = std::stol(line.substr(6));
  }
  return s;
}

std::string agentBinary(const char* argv0) {
  if (const char* bin = std::getenv("PHOTON_AGENT_BIN")) return bin;
  auto self = std::filesystem::read_symlink("/proc/self/exe");
  (void)argv0;
  return (self.parent_path().parent_path() / "agent" / "photon-agent").string();
}

void idleAgent(const std::string& binary, int seconds) {
  // A build without the agent would otherwise "measure" a process that is gone: 0.0 MiB.
  if (::access(binary.c_str(), X_OK) != 0) {
    throw std::runtime_error("no agent binary at " + binary + " (build photon-agent first)");
  }
  Coordinator c;
  test::TempDir state;
  auto creds = c.enroll(0);
  if (!agent::saveCredentials(state.path(), creds)) throw std::runtime_error("save credentials");
  std::string url = c.url();
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, STDERR_FILENO);
    execl(binary.c_str(), binary.c_str(), "run", "--coordinator", url.c_str(), "--state-dir",
          state.path().c_str(), "--poll-interval", "5", static_cast<char*>(nullptr));
    _exit(127);
  }
  std::this_thread::sleep_for(3s);  // start-up (facts, first poll) is not idle
  ProcSample before = sample(pid);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  ProcSample after = sample(pid);
  if (waitpid(pid, nullptr, WNOHANG) != 0) {
    throw std::runtime_error(binary + " exited before the idle measurement ended");
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  double cpu = (after.cpu_seconds - before.cpu_seconds) / seconds * 100.0;
  std::printf("agent idle (run mode, 5 s poll, %d s): RSS %.1f MiB (peak %.1f MiB), CPU %.3f %%\n",
              seconds, after.rss_kib / 1024.0, after.hwm_kib / 1024.0, cpu);
}

// ---- 2. the fleet ---------------------------------------------------------------------------
struct Fleet {
  std::vector<std::unique_ptr<agent::RunLoop>> loops;
  std::vector<std::thread> threads;
  ~Fleet() {
    for (auto& l : loops) l->stop();
    for (auto& t : threads) t.join();
  }
};

void fleetRound(Coordinator& c, const std::vector<agent::NodeCredentials>& nodes,
                const test::TempDir& states, std::chrono::seconds long_poll, int round) {
  Fleet fleet;
  std::string url = c.url();
  for (size_t i = 0; i < nodes.size(); ++i) {
    agent::RunOptions options;
    options.state_dir = states.file(std::to_string(i));
    std::filesystem::create_directories(options.state_dir);
    options.poll_interval = 5s;
    options.long_poll = long_poll;
    options.request_timeout = 30s;
    const auto& creds = nodes[i];  // copied into the lambda below
    agent::Connect connect = [url, creds]() -> common::Result<agent::Connection> {
      agent::Connection conn;
      conn.credentials = creds;
      PHOTON_TRY(conn.client,
                 common::HttpClient::create(url, {.read_timeout = 30000ms, .keep_alive = true}));
      conn.facts_digest = "bench";
      return conn;
    };
    fleet.loops.push_back(std::make_unique<agent::RunLoop>(
        options, connect, std::vector<std::unique_ptr<agent::Reconciler>>{},
        [](int, const std::string&) {}));
    if (!fleet.loops.back()->start()) throw std::runtime_error("loop start");
  }
  auto started = Clock::now();
  for (auto& l : fleet.loops) fleet.threads.emplace_back([&l] { l->run(); });

  auto allReported = [&](const std::vector<int64_t>& want, std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      size_t done = 0;
      for (size_t i = 0; i < fleet.loops.size(); ++i) {
        done += fleet.loops[i]->reportedRevision() >= want[i] ? 1 : 0;
      }
      if (done == fleet.loops.size()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  };
  std::vector<int64_t> initial(nodes.size(), 0);
  if (!allReported(initial, 120s)) {
    std::printf("fleet of %zu agents: did not all report within 120 s of start-up\n", nodes.size());
    return;
  }
  double settle = secondsSince(started);
  std::this_thread::sleep_for(long_poll.count() > 0 ? 2s : 6s);  // steady state

  // Change every node's desired revision, from 8 admin clients at once.
  std::vector<int64_t> want(nodes.size(), 0);
  auto changed_from = Clock::now();
  std::atomic<size_t> next{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&] {
      auto admin = c.client(test::kAdminToken);
      for (size_t i = next++; i < nodes.size(); i = next++) {
        auto r = admin->request("PUT", "/api/v1/nodes/" + nodes[i].node_id + "/desired/system",
                                Json{{"round", round}}.dump());
        if (r && r->status == 200) want[i] = Json::parse(r->body)["revision"].get<int64_t>();
      }
    });
  }
  for (auto& w : writers) w.join();
  double change_took = secondsSince(changed_from);
  bool ok = allReported(want, 120s);
  double converged = secondsSince(changed_from);
  std::printf(
      "fleet of %zu agents, %s: start-up %.1f s; changing every desired revision took "
      "%.2f s; all observed %.2f s after the first change (%.2f s after the last)%s\n",
      nodes.size(),
      long_poll.count() > 0 ? ("long-poll " + std::to_string(long_poll.count()) +
                               " s, kept-alive connections, every poll held by the edge")
                                  .c_str()
                            : "5 s polling",
      settle, change_took, converged, converged - change_took,
      ok ? "" : " — NOT CONVERGED within 120 s");
}
}  // namespace

int main(int, char** argv) {
  common::setLogLevel(common::LogLevel::kError);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  int agents = envInt("PHOTON_BENCH_AGENTS", 1000);
  int idle_s = envInt("PHOTON_BENCH_IDLE_S", 60);
  try {
    idleAgent(agentBinary(argv[0]), idle_s);
    Coordinator c;
    std::vector<agent::NodeCredentials> nodes;
    auto enroll_from = Clock::now();
    for (int i = 0; i < agents; ++i) nodes.push_back(c.enroll(i + 1));
    std::printf("enrolled %d nodes by phone-home in %.1f s\n", agents, secondsSince(enroll_from));
    test::TempDir states;
    fleetRound(c, nodes, states, 0s, 1);
    fleetRound(c, nodes, states, 30s, 2);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fleet bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
