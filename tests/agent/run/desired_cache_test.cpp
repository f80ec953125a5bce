#include <catch2/catch.hpp>

#include "agent/run/desired_cache.h"
#include "tests/support/temp_dir.h"

using namespace photon;

TEST_CASE("desired cache: round trip, and every kind of damage is detected", "[agent]") {
  common::Json doc = common::Json::parse(
      R"({"node_id": "node-1", "revision": 12, "units": {"web": {"replicas": 2, "cpu": 0.5}}})");
  auto decoded = agent::decodeDesiredCache(agent::encodeDesiredCache(doc));
  REQUIRE(decoded);
  CHECK(*decoded == doc);

  std::string text = agent::encodeDesiredCache(doc);
  std::string edited = text;
  edited.replace(edited.find("12"), 2, "13");  // still valid JSON, wrong checksum
  auto e = agent::decodeDesiredCache(edited);
  REQUIRE_FALSE(e);
  CHECK(e.error().message == "checksum mismatch");
  CHECK_FALSE(agent::decodeDesiredCache(text.substr(0, text.size() / 2)));  // torn
  CHECK_FALSE(agent::decodeDesiredCache(R"({"document": {}})"));
  CHECK_FALSE(agent::decodeDesiredCache(""));

  test::TempDir t;
  std::string path = t.file("desired.json");
  auto none = agent::loadDesiredCache(path);
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  REQUIRE(agent::saveDesiredCache(path, doc));
  auto loaded = agent::loadDesiredCache(path);
  REQUIRE(loaded);
  REQUIRE(loaded->has_value());
  CHECK(**loaded == doc);
  t.write("desired.json", edited);
  auto corrupt = agent::loadDesiredCache(path);
  REQUIRE_FALSE(corrupt);
  CHECK(corrupt.error().message.find("is corrupt") != std::string::npos);
}
