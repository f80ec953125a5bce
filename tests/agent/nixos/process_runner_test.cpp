#include "agent/nixos/process_runner.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <pthread.h>

using photon::agent::makeProcessRunner;

TEST_CASE("process runner: exit codes and output, arguments never through a shell", "[nixos]") {
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
  auto missing = runner->run({"/nonexistent/prog"}, std::chrono::seconds(1));
  REQUIRE(missing);
  CHECK(missing->exit_code == 127);
}

TEST_CASE("process runner: a program past its deadline is killed with its children", "[nixos]") {
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

TEST_CASE("process runner: a child does not inherit the agent's blocked signals", "[nixos]") {
  // photon-agent blocks SIGTERM, SIGINT and SIGHUP for its signal thread (agent/main.cpp).
  sigset_t agent_signals, previous;
  sigemptyset(&agent_signals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&agent_signals, s);
  pthread_sigmask(SIG_BLOCK, &agent_signals, &previous);
  auto r = makeProcessRunner()->run({"grep", "^SigBlk:", "/proc/self/status"},
                                    std::chrono::seconds(5));
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  REQUIRE(r);
  CHECK(r->output == "SigBlk:\t0000000000000000\n");
}
