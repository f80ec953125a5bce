// A daemon's JSON config file: bounded, and its errors point at the line and the key.
#include <catch2/catch.hpp>

#include "common/daemon/config_file.h"
#include "tests/support/temp_dir.h"

using namespace photon::common;
using photon::test::TempDir;

TEST_CASE("config file: a position is told as line and column from 1", "[common]") {
  CHECK(describePosition("abc", 0) == "line 1, column 1");
  CHECK(describePosition("ab\ncd\nef", 4) == "line 2, column 2");
  CHECK(describePosition("ab\n", 3) == "line 2, column 1");
  CHECK(describePosition("ab", 99) == "line 1, column 3");
}

TEST_CASE("config file: malformed JSON is refused with where it breaks", "[common]") {
  auto parsed = parseJsonConfig("{\"a\": 1,\n \"b\": tru }", "x.json");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().message.rfind("x.json: malformed JSON at line 2, column ", 0) == 0);
}

TEST_CASE("config file: a file past the size limit is refused unread", "[common]") {
  TempDir dir;
  std::string big = "{\"a\": \"" + std::string(kMaxConfigBytes, 'x') + "\"}";
  auto read = readJsonConfig(dir.write("big.json", big));
  REQUIRE_FALSE(read);
  CHECK(read.error().message.find("larger than") != std::string::npos);
}

TEST_CASE("config file: deep nesting is refused, an object is read", "[common]") {
  auto deep =
      parseJsonConfig("{\"a\":" + std::string(1000, '[') + std::string(1000, ']') + "}", "d.json");
  REQUIRE_FALSE(deep);
  TempDir dir;
  auto read = readJsonConfig(dir.write("ok.json", R"({"a": 1})"));
  REQUIRE(read);
  CHECK((*read)["a"] == 1);
}

TEST_CASE("config file: a key's error reads as the key and what is wrong", "[common]") {
  Error keyed{ErrorCode::kInvalid, "must be a string", "coordinator", {}};
  CHECK(describeConfigError(keyed) == "key 'coordinator': must be a string");
  Error whole{ErrorCode::kInvalid, "x.json: must be a JSON object", "config", {}};
  CHECK(describeConfigError(whole) == "x.json: must be a JSON object");
}

TEST_CASE("config file: a number too large for a double is refused, not thrown", "[common]") {
  // fuzz_daemon_config's first crash: nlohmann throws out_of_range, not parse_error, for it.
  auto config = parseJsonConfig(R"({"poll_interval": 8888e8444444444444444444})", "agent.json");
  REQUIRE_FALSE(config);
  CHECK(config.error().field == "config");
  CHECK_THAT(config.error().message, Catch::Contains("agent.json") && Catch::Contains("number"));
}
