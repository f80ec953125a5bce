#include "agent/bgp/bird_process.h"

#include <pthread.h>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/temp_dir.h"

using photon::agent::BirdPaths;
using photon::agent::startBird;

namespace {
std::string statusLine(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) return line;
  }
  return "";
}
}  // namespace

TEST_CASE("bird process: BIRD does not inherit the agent's blocked SIGTERM and stops on it",
          "[bgp][integration]") {
  photon::test::TempDir dir;
  {
    std::ofstream conf(dir.file("bird.conf"));
    conf << "router id 10.255.0.1;\nprotocol device { }\n";
  }
  BirdPaths paths{.binary = "/usr/sbin/bird",
                  .config = dir.file("bird.conf"),
                  .socket = dir.file("bird.ctl"),
                  .pid_file = dir.file("bird.pid")};
  // photon-agent blocks SIGTERM, SIGINT and SIGHUP for its signal thread (agent/main.cpp).
  sigset_t agent_signals, previous;
  sigemptyset(&agent_signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&agent_signals, s);
  pthread_sigmask(SIG_BLOCK, &agent_signals, &previous);
  auto started = startBird(*photon::agent::makeProcessRunner(), paths);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  REQUIRE(started);

  pid_t pid = 0;  // the daemon writes its pid file after its parent has gone
  for (int i = 0; i < 100 && pid <= 0; ++i) {
    std::ifstream(paths.pid_file) >> pid;
    if (pid <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(pid > 0);
  CHECK(statusLine(pid, "SigBlk:") == "SigBlk:\t0000000000000000");
  ::kill(pid, SIGTERM);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    auto state = statusLine(pid, "State:");  // a zombie waits for its reaper: gone too
    gone = state.empty() || state.find("zombie") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!gone) ::kill(pid, SIGKILL);
  CHECK(gone);
}

TEST_CASE("bird process: a config BIRD cannot read fails with BIRD's own words",
          "[bgp][integration]") {
  photon::test::TempDir dir;
  BirdPaths paths{.binary = "/usr/sbin/bird",
                  .config = dir.file("missing.conf"),
                  .socket = dir.file("bird.ctl"),
                  .pid_file = dir.file("bird.pid")};
  auto started = startBird(*photon::agent::makeProcessRunner(), paths);
  REQUIRE_FALSE(started);
  INFO(started.error().message);
  CHECK(started.error().message.find("bird -c " + paths.config + ": exit code 1") == 0);
  CHECK(started.error().message.find("Unable to open configuration file") != std::string::npos);
}
