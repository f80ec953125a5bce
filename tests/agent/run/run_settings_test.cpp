// The run mode's --config file over its flags: what it may set, and errors that say where the
// file is wrong.
#include <catch2/catch.hpp>

#include "agent/run/run_settings.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::test::TempDir;

namespace {
RunSettings flags() {
  RunSettings s;
  s.url = "http://127.0.0.1:7480";
  s.poll_interval = 5;
  s.long_poll = 0;
  return s;
}
}  // namespace

TEST_CASE("run settings: no config file keeps the flags", "[agent]") {
  auto settings = readRunConfig("", flags());
  REQUIRE(settings);
  CHECK(settings->url == "http://127.0.0.1:7480");
  CHECK(settings->poll_interval == 5);
}

TEST_CASE("run settings: the config file overrides the flags it names", "[agent]") {
  TempDir dir;
  auto path = dir.write("agent.json", R"({"coordinator": "https://c:7480", "long_poll": 30})");
  auto settings = readRunConfig(path, flags());
  REQUIRE(settings);
  CHECK(settings->url == "https://c:7480");
  CHECK(settings->long_poll == 30);
  CHECK(settings->poll_interval == 5);
}

TEST_CASE("run settings: a syntax error names the file, line and column", "[agent]") {
  TempDir dir;
  auto path = dir.write("agent.json", "{\n  \"coordinator\": \"http://c\",\n  \"long_poll\": ,\n}");
  auto settings = readRunConfig(path, flags());
  REQUIRE_FALSE(settings);
  CHECK(settings.error().message == path + ": malformed JSON at line 3, column 16");
}

TEST_CASE("run settings: a wrong value names its key and the allowed range", "[agent]") {
  TempDir dir;
  auto path = dir.write("agent.json", R"({"poll_interval": 0})");
  auto settings = readRunConfig(path, flags());
  REQUIRE_FALSE(settings);
  CHECK(settings.error().message == path + ": key 'poll_interval': must be between 1 and 3600");
  auto wrong_type = readRunConfig(dir.write("b.json", R"({"coordinator": 7})"), flags());
  REQUIRE_FALSE(wrong_type);
  CHECK(wrong_type.error().message.find("key 'coordinator': must be a string") !=
        std::string::npos);
}

TEST_CASE("run settings: a missing file and a non-object are refused", "[agent]") {
  TempDir dir;
  auto missing = readRunConfig(dir.file("none.json"), flags());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("cannot read") != std::string::npos);
  auto list = readRunConfig(dir.write("list.json", "[1, 2]"), flags());
  REQUIRE_FALSE(list);
  CHECK(list.error().message.find("must be a JSON object") != std::string::npos);
}
