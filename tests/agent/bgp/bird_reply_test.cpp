#include "agent/bgp/bird_reply.h"

#include <catch2/catch.hpp>

#include "tests/agent/bgp/fixture_file.h"

using namespace photon::agent;
using photon::test::bgpFixture;

namespace {

BirdReply onlyReply(const std::string& bytes) {
  auto replies = parseBirdReplies(bytes);
  REQUIRE(replies.has_value());
  REQUIRE(replies->size() == 1);
  return (*replies)[0];
}

}  // namespace

TEST_CASE("bird reply: the greeting is one 0001 line", "[bgp]") {
  auto r = onlyReply(bgpFixture("greeting.txt"));
  CHECK(r.code == 1);
  CHECK(r.message() == "BIRD 2.0.12 ready.");
}

TEST_CASE("bird reply: configure check ok, refused, timed configure and confirm", "[bgp]") {
  auto ok = onlyReply(bgpFixture("configure_check_ok.txt"));
  CHECK(ok.code == 20);
  CHECK(ok.lines.size() == 2);
  auto bad = onlyReply(bgpFixture("configure_check_error.txt"));
  CHECK(bad.code == 8002);
  CHECK_FALSE(bad.ok());
  CHECK(bad.message().find("syntax error") != std::string::npos);
  auto timed = onlyReply(bgpFixture("configure_timeout.txt"));
  CHECK(timed.code == 3);
  CHECK(timed.lines[1].code == 22);
  CHECK(onlyReply(bgpFixture("configure_confirm.txt")).code == 18);
  CHECK(onlyReply(bgpFixture("parse_error.txt")).code == 9001);
}

TEST_CASE("bird reply: space-continued lines keep the code they continue", "[bgp]") {
  auto r = onlyReply(bgpFixture("show_status.txt"));
  CHECK(r.code == 13);
  REQUIRE(r.lines.size() == 7);
  CHECK(r.lines[2].code == 1011);
  CHECK(r.lines[2].text == "Hostname is vm");
}

TEST_CASE("bird reply: a reply split anywhere is put back together", "[bgp]") {
  auto bytes = bgpFixture("show_protocols_all.txt");
  for (size_t cut : {size_t{1}, size_t{4}, size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    BirdReplyReader reader;
    reader.feed(bytes.substr(0, cut));
    auto first = reader.next();
    REQUIRE(first.has_value());
    CHECK_FALSE(first->has_value());
    reader.feed(bytes.substr(cut));
    auto second = reader.next();
    REQUIRE(second.has_value());
    REQUIRE(second->has_value());
    CHECK((*second)->code == 0);
  }
}

TEST_CASE("bird reply: spontaneous lines are kept out of the reply", "[bgp]") {
  BirdReplyReader reader;
  reader.feed("+0012 some log line\n0020 Configuration OK\n");
  auto r = reader.next();
  REQUIRE(r.has_value());
  REQUIRE(r->has_value());
  CHECK((*r)->lines.size() == 1);
  CHECK(reader.takeSpontaneous() == std::vector<std::string>{"0012 some log line"});
}

TEST_CASE("bird reply: a line outside the protocol is an error", "[bgp]") {
  BirdReplyReader reader;
  reader.feed("hello\n");
  CHECK_FALSE(reader.next().has_value());
  CHECK_FALSE(parseBirdReplies("12 short\n").has_value());
}

TEST_CASE("bird reply: show protocols all gives session states", "[bgp]") {
  auto protocols = parseProtocols(onlyReply(bgpFixture("show_protocols_all.txt")));
  REQUIRE(protocols.has_value());
  REQUIRE(protocols->size() == 3);
  const auto& bgp = (*protocols)[2];
  CHECK(bgp.name == "upstream1");
  CHECK(bgp.proto == "BGP");
  CHECK(bgp.state == "up");
  CHECK(bgp.since == "2026-11-22 03:44:39.692");
  CHECK(bgp.info == "Established");
  CHECK(bgp.bgp_state == "Established");
  CHECK(bgp.neighbor_address == "10.77.0.1");
  CHECK((*protocols)[1].proto == "Static");
  CHECK((*protocols)[1].info.empty());
}

TEST_CASE("bird reply: short show protocols with millisecond times", "[bgp]") {
  auto protocols = parseProtocols(onlyReply(bgpFixture("show_protocols.txt")));
  REQUIRE(protocols.has_value());
  REQUIRE(protocols->size() == 3);
  CHECK((*protocols)[2].since == "2026-11-22 03:44:39.692");
  CHECK((*protocols)[2].info == "Established");
}

TEST_CASE("bird reply: show route all gives prefixes, protocol and communities", "[bgp]") {
  auto routes = parseRoutes(onlyReply(bgpFixture("show_route_all.txt")));
  REQUIRE(routes.has_value());
  REQUIRE(routes->size() == 2);
  CHECK((*routes)[0].prefix == "10.9.0.2/32");
  CHECK((*routes)[0].protocol == "node1");
  CHECK((*routes)[0].communities.empty());
  CHECK((*routes)[1].prefix == "10.9.0.1/32");
  CHECK((*routes)[1].communities == std::vector<std::string>{"65000:100", "65000:1:2"});
  auto none = parseRoutes(onlyReply(bgpFixture("show_route_not_found.txt")));
  REQUIRE(none.has_value());
  CHECK(none->empty());
}
