// What a hostile or broken client can send the edge, over real sockets: each limit answers with
// a clear error, holds no more memory than the limit, and leaves the server serving others.
#include <poll.h>
#include <sys/socket.h>
#include <zlib.h>

#include <catch2/catch.hpp>
#include <thread>

#include "common/json_fields.h"
#include "tests/coordinator/edge/edge_server.h"
#include "tests/support/raw_http.h"

using namespace photon;
using namespace photon::test;
using common::Json;

namespace {
std::string gzip(const std::string& plain) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, plain.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  z.avail_in = static_cast<uInt>(plain.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

RawReply roundTrip(int port, const std::string& request) {
  RawConnection c(port);
  REQUIRE(c.send(request));
  return readReply(c);
}

std::string field(const RawReply& reply) {
  auto body = Json::parse(reply.body, nullptr, false);
  return body.is_object() && body.contains("field") ? body["field"].get<std::string>() : "";
}

bool hello(int port) {
  return roundTrip(port, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n").status == 200;
}
}  // namespace

TEST_CASE("edge: a chunked body past the limit is refused with 413, not read into memory",
          "[edge][integration]") {
  EdgeServer edge;   // 1 MiB bodies
  hello(edge.port);  // warm: the first connection's allocations are not the body's
  size_t rss_before = residentBytes();
  RawConnection c(edge.port);
  REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // Up to 256 MiB in 64 KiB chunks, no authorization at all: what took the old server to
  // 300 MB of RSS in 3 s.
  const std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
  size_t offered = 0, sent = 0;
  RawReply reply = sendWhileReading(
      c,
      [&]() -> std::string {
        if (offered >= (256u << 20)) return {};
        offered += 0x10000;
        return chunk;
      },
      sent, std::chrono::seconds(20));
  size_t rss_after = residentBytes();
  INFO("sent " << sent << " bytes; RSS " << rss_before << " -> " << rss_after);
  CHECK(reply.status == 413);
  CHECK(field(reply) == "body");
  CHECK(sent < (64u << 20));
  // The server held at most the limit and its buffers, not what was sent.
  CHECK(rss_after < rss_before + (24u << 20));
  CHECK(hello(edge.port));
  CHECK(edge.renderedMetrics().find("reason=\"body_too_large\"") != std::string::npos);
}

TEST_CASE("edge: a Content-Length past the limit is refused before the body is sent",
          "[edge][integration]") {
  EdgeServer edge;
  auto reply =
      roundTrip(edge.port, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 999999999\r\n\r\n");
  CHECK(reply.status == 413);
  CHECK(field(reply) == "body");
}

TEST_CASE("edge: a gzip bomb is refused at the inflated limit, a sane gzip body is inflated",
          "[edge][integration]") {
  EdgeServer edge;
  std::string bomb = gzip(std::string(256u << 20, '['));  // 256 MiB of brackets, ~250 kB
  REQUIRE(bomb.size() < (1u << 20));
  size_t rss_before = residentBytes();
  auto refused = roundTrip(edge.port,
                           "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\n"
                           "Content-Length: " +
                               std::to_string(bomb.size()) + "\r\n\r\n" + bomb);
  CHECK(refused.status == 413);
  CHECK(residentBytes() < rss_before + (24u << 20));

  std::string doc = Json{{"facts", {{"cpu", 4}}}}.dump();
  std::string packed = gzip(doc);
  auto ok = roundTrip(edge.port,
                      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: gzip\r\n"
                      "Content-Length: " +
                          std::to_string(packed.size()) + "\r\n\r\n" + packed);
  REQUIRE(ok.status == 200);
  CHECK(Json::parse(ok.body)["bytes"] == doc.size());

  auto unknown = roundTrip(edge.port,
                           "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Encoding: br\r\n"
                           "Content-Length: 2\r\n\r\n{}");
  CHECK(unknown.status == 415);
  CHECK(field(unknown) == "Content-Encoding");
}

TEST_CASE("edge: headers past the limit are refused with 431", "[edge][integration]") {
  EdgeServer edge;
  auto reply = roundTrip(edge.port, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " +
                                        std::string(64 * 1024, 'a') + "\r\n\r\n");
  CHECK(reply.status == 431);
  CHECK(field(reply) == "headers");
  CHECK(hello(edge.port));
}

TEST_CASE("edge: JSON nested 100,000 deep is a 400 naming where, and the server stays up",
          "[edge][integration]") {
  EdgeServer edge;
  std::string deep =
      "{\"facts\": {\"x\": " + std::string(100000, '[') + std::string(100000, ']') + "}}";
  auto reply = roundTrip(edge.port,
                         "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: "
                         "application/json\r\nContent-Length: " +
                             std::to_string(deep.size()) + "\r\n\r\n" + deep);
  CHECK(reply.status == 400);
  CHECK(field(reply).rfind("facts.x[0]", 0) == 0);
  CHECK(hello(edge.port));
}

TEST_CASE("edge: a client that trickles its headers is cut while others are served",
          "[edge][integration]") {
  coordinator::EdgeLimits limits;
  limits.header_timeout = std::chrono::milliseconds(800);
  EdgeServer edge(limits);
  std::vector<RawConnection> slow;
  for (int i = 0; i < 20; ++i) {
    slow.emplace_back(edge.port);
    REQUIRE(slow.back().send("GET /hello HTTP/1.1\r\nHost: t\r\n"));
  }
  // A byte every 100 ms keeps a connection busy but never finishes the headers.
  auto started = std::chrono::steady_clock::now();
  bool all_cut = false;
  while (std::chrono::steady_clock::now() - started < std::chrono::seconds(4)) {
    CHECK(hello(edge.port));  // the others are served meanwhile
    bool any_open = false;
    for (auto& c : slow) {
      if (c.send("X")) any_open = true;
    }
    if (!any_open) {
      all_cut = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(all_cut);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  CHECK(edge.renderedMetrics().find("reason=\"header_timeout\"") != std::string::npos);
}

TEST_CASE("edge: a body that stops arriving gets 408 at the body deadline", "[edge][integration]") {
  coordinator::EdgeLimits limits;
  limits.body_timeout = std::chrono::milliseconds(600);
  EdgeServer edge(limits);
  RawConnection c(edge.port);
  // Headers promise 100 bytes; 10 come, then nothing.
  REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789"));
  auto started = std::chrono::steady_clock::now();
  RawReply reply = readReply(c);
  auto waited = std::chrono::steady_clock::now() - started;
  CHECK(reply.status == 408);
  CHECK(field(reply) == "body");
  CHECK(waited >= std::chrono::milliseconds(500));
  CHECK(waited < std::chrono::seconds(3));
  CHECK(edge.renderedMetrics().find("reason=\"body_timeout\"") != std::string::npos);
  CHECK(hello(edge.port));
}

TEST_CASE("edge: an idle kept-alive connection is closed at the idle timeout",
          "[edge][integration]") {
  coordinator::EdgeLimits limits;
  limits.idle_timeout = std::chrono::milliseconds(500);
  EdgeServer edge(limits);
  RawConnection c(edge.port);
  REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  CHECK(readReply(c).status == 200);
  // Kept alive: a second request on the same connection is answered.
  REQUIRE(c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  CHECK(readReply(c).status == 200);
  auto started = std::chrono::steady_clock::now();
  CHECK(c.closedWithin(std::chrono::seconds(3)));
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(400));
}

TEST_CASE("edge: Expect: 100-continue gets its interim answer, then the body is read",
          "[edge][integration]") {
  EdgeServer edge;
  RawConnection c(edge.port);
  REQUIRE(
      c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
             "Content-Length: 2\r\n\r\n"));
  // The interim "100 Continue" must come before we send the body.
  char head[64] = {};
  pollfd p{c.fd(), POLLIN, 0};
  REQUIRE(::poll(&p, 1, 3000) == 1);
  ssize_t n = ::recv(c.fd(), head, sizeof head - 1, 0);
  REQUIRE(n > 0);
  CHECK(std::string(head, static_cast<size_t>(n)).rfind("HTTP/1.1 100", 0) == 0);
  REQUIRE(c.send("{}"));
  auto reply = readReply(c);
  CHECK(reply.status == 200);
}

TEST_CASE("edge: past the connection cap new connections are closed, the open ones served",
          "[edge][integration]") {
  coordinator::EdgeLimits limits;
  limits.max_connections = 4;
  EdgeServer edge(limits);
  std::vector<RawConnection> open;
  for (int i = 0; i < 4; ++i) {
    open.emplace_back(edge.port);
    REQUIRE(open.back().send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
    REQUIRE(readReply(open.back()).status == 200);
  }
  RawConnection extra(edge.port);
  CHECK(extra.closedWithin(std::chrono::seconds(2)));
  REQUIRE(open[0].send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  CHECK(readReply(open[0]).status == 200);
  CHECK(edge.renderedMetrics().find("reason=\"connection_cap\"") != std::string::npos);
  open.clear();
  // Once they close, there is room again.
  bool served = false;
  for (int i = 0; i < 20 && !served; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    try {
      served = hello(edge.port);
    } catch (const std::exception&) {
    }
  }
  CHECK(served);
}

TEST_CASE("edge: stopping answers held requests and closes kept-alive connections",
          "[edge][integration]") {
  EdgeServer edge;
  RawConnection idle(edge.port);
  REQUIRE(idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
  REQUIRE(readReply(idle).status == 200);
  auto started = std::chrono::steady_clock::now();
  edge.server->stop();
  // A client waiting on a kept-alive connection learns at once that the server is gone.
  CHECK(idle.closedWithin(std::chrono::seconds(3)));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
}

TEST_CASE("edge: a repeated header reaches the handler once, its values joined in arrival order",
          "[edge][integration]") {
  EdgeServer edge;
  RawReply reply = roundTrip(edge.port,
                             "GET /headers HTTP/1.1\r\nHost: t\r\nX-Tag: a\r\nOther: 1\r\n"
                             "x-tag: b\r\nX-TAG: c\r\n\r\n");
  REQUIRE(reply.status == 200);
  auto body = Json::parse(reply.body);
  CHECK(body["x-tag"] == "a, b, c");
  CHECK(body["names"] == 3);  // Host, X-Tag, Other
}

TEST_CASE("edge: thousands of repeated header names within the header limit are each joined",
          "[edge][integration]") {
  coordinator::EdgeLimits limits;
  limits.max_header_bytes = 64 * 1024;
  EdgeServer edge(limits);
  // 3,000 names, each twice, then X-Tag three times: every repeat found and joined (by a sort
  // over Beast's index, so such a request costs O(n log n) rather than a scan per field).
  std::string request = "GET /headers HTTP/1.1\r\nHost: t\r\nX-Tag: first\r\n";
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 3000; ++i) request += "h" + std::to_string(i) + ": v\r\n";
    request += "x-tag: " + std::to_string(round) + "\r\n";
  }
  request += "\r\n";
  REQUIRE(request.size() < limits.max_header_bytes);
  RawReply reply = roundTrip(edge.port, request);
  REQUIRE(reply.status == 200);
  auto body = Json::parse(reply.body);
  CHECK(body["names"] == 3002);
  CHECK(body["x-tag"] == "first, 0, 1");
}
