// The real coordinator behind the edge: what an operator types with curl, a phone-home built to
// crash it, and thousands of agents holding long-polls on a fixed number of threads.
#include <poll.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <thread>

#include "tests/support/coordinator_fixture.h"
#include "tests/support/raw_http.h"

using namespace photon;
using namespace photon::test;
using common::Json;

namespace {

std::string authorization(const std::string& token) {
  return "Authorization: Bearer " + token + "\r\n";
}
}  // namespace

TEST_CASE("coordinator edge: a POST with no body at all, as curl -X POST sends it, runs the action",
          "[edge][integration]") {
  CoordinatorFixture c;
  auto node = c.enrol(1);
  RawConnection conn(c.server().port());
  // No Content-Length, no Content-Type, no body.
  REQUIRE(conn.send("POST /api/v1/nodes/" + node.id + "/actions/undrain HTTP/1.1\r\nHost: t\r\n" +
                    authorization(kAdminToken) + "\r\n"));
  auto reply = readReply(conn);
  INFO(reply.body);
  // The action's own answer: a discovered node cannot be undrained.
  CHECK(reply.status == 409);
  CHECK(Json::parse(reply.body)["allowed"].is_array());
  REQUIRE(conn.send("POST /api/v1/nodes/" + node.id + "/actions/retire HTTP/1.1\r\nHost: t\r\n" +
                    authorization(kAdminToken) + "\r\n"));
  CHECK(readReply(conn).status == 200);
}

TEST_CASE("coordinator edge: a phone-home nested 100,000 deep is refused and nothing crashes",
          "[edge][integration]") {
  CoordinatorFixture c;
  Json machine = CoordinatorFixture::machine(1);
  std::string body = machine.dump();
  // Splice the bomb into facts: {"facts": {"x": [[[[...]]]], ...}}
  auto at = body.find("\"facts\":{");
  REQUIRE(at != std::string::npos);
  body.insert(at + 9, "\"x\":" + std::string(100000, '[') + std::string(100000, ']') + ",");
  RawConnection conn(c.server().port());
  REQUIRE(
      conn.send("POST /api/v1/phone-home HTTP/1.1\r\nHost: t\r\nContent-Type: "
                "application/json\r\n" +
                authorization(kBootstrapToken) + "Content-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body));
  auto reply = readReply(conn);
  CHECK(reply.status == 400);
  CHECK(Json::parse(reply.body)["field"].get<std::string>().rfind("facts.x[0]", 0) == 0);
  CHECK(c.admin("GET", "/api/v1/nodes").status == 200);
  CHECK(c.admin("GET", "/api/v1/nodes").body["nodes"].empty());
}

TEST_CASE("coordinator edge: 2,000 held long-polls, one change answers all, no thread added",
          "[edge][integration]") {
  raiseFileLimit();
  CoordinatorFixture c;
  auto node = c.enrol(1);
  std::string path = "/api/v1/nodes/" + node.id + "/desired";
  auto first = c.as(node.token, "GET", path);
  REQUIRE(first.status == 200);
  const int threads_before = threadCount();

  // Operators' polls (an admin token holds no per-node slot), 2,000 connections from this one
  // thread.
  constexpr int kPolls = 2000;
  std::string request = "GET " + path +
                        "?wait=30 HTTP/1.1\r\nHost: t\r\nIf-None-Match: " + first.etag + "\r\n" +
                        authorization(kAdminToken) + "\r\n";
  std::vector<RawConnection> polls;
  polls.reserve(kPolls);
  for (int i = 0; i < kPolls; ++i) {
    polls.emplace_back(c.server().port());
    REQUIRE(polls.back().send(request));
  }
  // Wait (bounded) until the coordinator holds them all.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  size_t holding = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    holding = c.server().heldPolls();
    if (holding >= kPolls) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(holding == kPolls);
  CHECK(threadCount() == threads_before);

  auto changed_at = std::chrono::steady_clock::now();
  REQUIRE(c.admin("PUT", path + "/units", Json::array()).status == 200);
  // Read every answer from this one thread.
  std::vector<std::string> buffers(kPolls);
  std::vector<bool> answered(kPolls, false);
  int done = 0, ok = 0;
  std::vector<pollfd> fds(kPolls);
  for (int i = 0; i < kPolls; ++i) fds[i] = {polls[i].fd(), POLLIN, 0};
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (done < kPolls && std::chrono::steady_clock::now() < deadline) {
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (int i = 0; i < kPolls; ++i) {
      if (answered[i] || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char chunk[8192];
      ssize_t n = ::recv(fds[i].fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) buffers[i].append(chunk, static_cast<size_t>(n));
      RawReply reply = takeReply(buffers[i]);
      if (reply.status != 0 || n == 0) {
        answered[i] = true;
        fds[i].events = 0;
        ++done;
        if (reply.status == 200) ++ok;
      }
    }
  }
  auto last_answer = std::chrono::steady_clock::now() - changed_at;
  INFO("last of " << kPolls << " answers after "
                  << std::chrono::duration_cast<std::chrono::milliseconds>(last_answer).count()
                  << " ms");
  CHECK(ok == kPolls);
  CHECK(last_answer < std::chrono::seconds(5));
  CHECK(threadCount() == threads_before);
}
