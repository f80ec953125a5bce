#include "common/json_dump.h"

#include <catch2/catch.hpp>

#include "common/text.h"

using photon::common::dumpJson;
using photon::common::Json;

TEST_CASE("json dump: a byte that is not UTF-8 becomes U+FFFD instead of throwing",
          "[common][sandbox]") {
  Json j = {{"serial", "\xff\xff"},
            {"list", {"ok", "bad \xc3(", {{"deep", "\xed\xa0\x80"}}}},
            {"key \xfe", 1}};
  CHECK_THROWS(j.dump());  // what the agent did before: the exception took it down
  std::string text = dumpJson(j);
  CHECK(photon::common::isValidUtf8(text));
  Json back = Json::parse(text);
  CHECK(back["serial"] == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(back["list"][1] == "bad \xEF\xBF\xBD(");
  CHECK(back["list"][2]["deep"] == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(back["key \xEF\xBF\xBD"] == 1);
}

TEST_CASE("json dump: valid documents dump as nlohmann does, indented or not", "[common]") {
  Json j = {{"a", {1, 2.5, "x\u00e9"}}, {"b", nullptr}};
  CHECK(dumpJson(j) == j.dump());
  CHECK(dumpJson(j, 2) == j.dump(2));
}
