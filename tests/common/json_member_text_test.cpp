// Finding a member's text in a JSON document without parsing it (common/json_member_text.h):
// the exact bytes of the value, wherever it sits among other members and however strings in
// them look, absent when it is not there, and unsure (the caller parses) when the text could
// be read more than one way.
#include "common/json_member_text.h"

#include <catch2/catch.hpp>
#include <string>

#include "common/json_fields.h"

using namespace photon::common;

namespace {

MemberText bgpOf(std::string_view text) {
  return findMemberText(text, {"domains", "bgp"});
}

}  // namespace

TEST_CASE("json member text: the value's exact bytes among other members and nested strings",
          "[common]") {
  const std::string text =
      R"( {"a": {"domains": 1, "x": "}\"{"}, "domains" : {"agent": [1, {"bgp": 2}],)"
      R"( "bgp" : {"sessions": [{"info": "Active \"Socket\": ]}"}], "n": -1.5e3, "t": true},)"
      R"( "units": null}, "reported_at": 1700000000} )";
  MemberText m = bgpOf(text);
  REQUIRE(m.lookup == MemberLookup::kFound);
  CHECK(m.text == R"({"sessions": [{"info": "Active \"Socket\": ]}"}], "n": -1.5e3, "t": true})");
  // What a parser makes of the same document.
  CHECK(Json::parse(m.text) == Json::parse(text)["domains"]["bgp"]);

  CHECK(findMemberText(R"({"domains":{"bgp":null}})", {"domains", "bgp"}).text == "null");
  CHECK(findMemberText(R"({"a":[1,2,{"b":3}]})", {"a"}).text == R"([1,2,{"b":3}])");
  CHECK(findMemberText(R"({"a":"x"})", {"a"}).text == R"("x")");
}

TEST_CASE("json member text: a member not there on the path is absent", "[common]") {
  CHECK(bgpOf("{}").lookup == MemberLookup::kAbsent);
  CHECK(bgpOf(R"({"reported_at": 5})").lookup == MemberLookup::kAbsent);
  CHECK(bgpOf(R"({"domains": {}})").lookup == MemberLookup::kAbsent);
  CHECK(bgpOf(R"({"domains": {"units": {"bgp": 1}}, "bgp": 2})").lookup == MemberLookup::kAbsent);
}

TEST_CASE("json member text: text that does not scan or reads more than one way is unsure",
          "[common]") {
  for (const char* text : {
           "", "[]", "nope",
           R"({"domains": {"bgp": 1})",              // unterminated
           R"({"domains": {"bgp": 1}} x)",           // trailing text
           R"({"domains": {"bgp": 1},})",            // a comma with no member after it
           R"({"domains": {"bgp": [1, 2}}})",        // brackets crossed
           R"({"domains": {"bgp": "a)",              // unterminated string
           "{\"domains\": {\"bgp\": \"a\nb\"}}",     // a raw control character in a string
           R"({"domains": {"bgp": 1, "bgp": 2}})",   // twice: a parser keeps one
           R"({"domains": 1})",                      // not an object on the path
           R"({"domains": {"bg\u0070": 1}})",        // an escape may spell the name
           R"({"domains": {"bgp": })",               // no value
           R"({"domains": {"bgp": 1 "units": 2}})",  // no comma
       }) {
    INFO(text);
    CHECK(bgpOf(text).lookup == MemberLookup::kUnsure);
  }
  CHECK(findMemberText("{}", {}).lookup == MemberLookup::kUnsure);
}

TEST_CASE("json member text: a deeply nested value is skipped without recursion", "[common]") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string text = R"({"a": )" + deep + R"(, "domains": {"bgp": 7}})";
  MemberText m = bgpOf(text);
  REQUIRE(m.lookup == MemberLookup::kFound);
  CHECK(m.text == "7");
  CHECK(bgpOf(R"({"a": )" + deep.substr(1) + "}").lookup == MemberLookup::kUnsure);
}
