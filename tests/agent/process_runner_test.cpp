#include "agent/core/process_runner.h"

#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stop_token>
#include <thread>

#include "tests/support/temp_dir.h"

using photon::agent::makeProcessRunner;

TEST_CASE("process runner: exit codes and output, arguments never through a shell", "[agent]") {
  auto runner = makeProcessRunner();
  auto ok = runner->run({"/bin/sh", "-c", "echo out; echo err >&2"}, std::chrono::seconds(5));
  REQUIRE(ok);
  CHECK(ok->ok());
  CHECK(ok->output == "out\nerr\n");

  auto fail = runner->run({"/bin/sh", "-c", "echo boom; exit 7"}, std::chrono::seconds(5));
  REQUIRE(fail);
  CHECK(fail->exit_code == 7);
  CHECK(fail->describe() == "exit code 7: boom");

  // A shell metacharacter in an argument stays one argument.
  auto literal = runner->run({"echo", "a; echo injected"}, std::chrono::seconds(5));
  REQUIRE(literal);
  CHECK(literal->output == "a; echo injected\n");

  CHECK_FALSE(runner->run({"no-such-program-photon"}, std::chrono::seconds(1)));
  // A program execve refuses is an error too (not a result with exit code 127).
  auto missing = runner->run({"/nonexistent/prog"}, std::chrono::seconds(1));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("execve /nonexistent/prog") != std::string::npos);
}

TEST_CASE("process runner: the child starts with no blocked signals", "[agent]") {
  // The agent blocks SIGTERM for its signal thread; a child must not inherit that.
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  auto r = photon::agent::makeProcessRunner()->run(
      {"/bin/sh", "-c", "grep SigBlk /proc/self/status"}, std::chrono::seconds(5));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  REQUIRE(r);
  CHECK(r->output == "SigBlk:\t0000000000000000\n");
}

TEST_CASE("spawnDetached: its own session, output appended to the log, the pid ours to reap",
          "[agent]") {
  photon::test::TempDir t;
  std::string log = t.write("out.log", "before\n");
  auto pid = photon::agent::spawnDetached(
      {"/bin/sh", "-c", "s=$(ps -o sid= -p $$); echo sid=$((s))"}, log);
  REQUIRE(pid);
  int status = 0;
  REQUIRE(::waitpid(*pid, &status, 0) == *pid);
  CHECK(WIFEXITED(status));
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  // Its session id is its own pid: setsid() ran, so nothing of ours takes it down.
  CHECK(text.str() == "before\nsid=" + std::to_string(*pid) + "\n");
  CHECK_FALSE(photon::agent::spawnDetached({"/nonexistent/qemu"}, log));
}

TEST_CASE("process runner: a program past its deadline is killed with its children", "[agent]") {
  auto runner = makeProcessRunner();
  auto start = std::chrono::steady_clock::now();
  // The grandchild keeps the output pipe open: killing the group must still end the wait.
  auto r = runner->run({"/bin/sh", "-c", "sleep 30 & sleep 30"}, std::chrono::milliseconds(300));
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE(r);
  CHECK(r->timed_out);
  CHECK_FALSE(r->ok());
  CHECK(took < std::chrono::seconds(3));
}

TEST_CASE("process runner: a stop request kills the program with its children at once", "[agent]") {
  photon::test::TempDir dir;
  auto pids = dir.file("pids");
  auto runner = makeProcessRunner();
  std::stop_source stop;
  std::jthread stopper([&] {
    // Once both sleeps run (bounded), well before the 30 s deadline.
    for (int i = 0; i < 200 && !std::ifstream(pids).good(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.request_stop();
  });
  auto start = std::chrono::steady_clock::now();
  auto r = runner->run({"/bin/sh", "-c", "sleep 30 & echo $! > " + pids + "; sleep 30"},
                       std::chrono::seconds(30), stop.get_token());
  auto took = std::chrono::steady_clock::now() - start;
  INFO((r ? std::string() : r.error().message));
  REQUIRE(r);
  CHECK(r->stopped);
  CHECK_FALSE(r->timed_out);
  CHECK_FALSE(r->ok());
  CHECK(r->status() == "stopped");
  CHECK(took < std::chrono::seconds(3));
  // The background sleep went with its group (gone, or a zombie its new parent has not reaped).
  pid_t child = 0;
  std::ifstream(pids) >> child;
  REQUIRE(child > 0);
  auto dead = [&] {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    auto paren = text.rfind(')');
    return text.empty() || (paren != std::string::npos && text.substr(paren + 2, 1) == "Z");
  };
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = dead();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(gone);
}
