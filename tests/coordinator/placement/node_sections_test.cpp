// How placement's instances merge into a node's "units" section without disturbing what an
// operator (or another tool) put there.
#include <catch2/catch.hpp>

#include "coordinator/placement/node_sections.h"

using namespace photon::coordinator::placement;
using photon::common::Json;

TEST_CASE("node sections: a section holding nothing of ours is left as it is", "[placement]") {
  Json operators = {{"web", {{"replicas", 2}}}};  // not even a list: not ours to judge
  CHECK(mergeUnits(operators, Json::array()) == operators);
  Json list = Json::array({{{"name", "manual"}}});
  CHECK(mergeUnits(list, Json::array()) == list);
  CHECK(mergeUnits(nullptr, Json::array()).is_null());
}

TEST_CASE("node sections: our instances replace ours and keep the operator's", "[placement]") {
  Json current = Json::array(
      {{{"name", "manual"}}, {{"name", "web-0"}, {"placed_by", "placement"}, {"revision", "1"}}});
  Json ours = Json::array({{{"name", "web-1"}, {"placed_by", "placement"}, {"revision", "2"}}});
  Json merged = mergeUnits(current, ours);
  REQUIRE(merged.size() == 2);
  CHECK(merged[0]["name"] == "manual");
  CHECK(merged[1]["name"] == "web-1");
  // Our last instance leaving empties our part only.
  Json emptied = mergeUnits(current, Json::array());
  REQUIRE(emptied.size() == 1);
  CHECK(emptied[0]["name"] == "manual");
}
