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

TEST_CASE(
    "node sections: only the nodes whose live allocations of a service moved are named, and "
    "the signature moves exactly there",
    "[placement][scale]") {
  auto alloc = [](const std::string& name, const std::string& node, const std::string& revision,
                  bool lost = false) {
    Allocation a;
    a.name = name;
    a.node = node;
    a.revision = revision;
    a.lost = lost;
    return a;
  };
  PlacementState before;
  before.allocations = {alloc("web-0", "n1", "r1"), alloc("web-1", "n2", "r1"),
                        alloc("web-2", "n3", "r1"), alloc("web-3", "n4", "r1"),
                        alloc("web-4", "n5", "r1", true)};
  PlacementState after = before;
  after.allocations[0].health = photon::common::InstanceHealth::kHealthy;  // not in a section
  after.allocations[0].healthy_since = 42;
  after.allocations[1].revision = "r2";                     // updated in place
  after.allocations[2].lost = true;                         // its node went missing past the grace
  after.allocations.push_back(alloc("web-5", "n6", "r1"));  // placed anew
  after.allocations[4].node = "n7";                         // a lost record: in no section
  CHECK(nodesWhoseShareMoved(before, after) == std::set<std::string>{"n2", "n3", "n6"});
  CHECK(nodesWhoseShareMoved(before, before).empty());
  CHECK(nodesWhoseShareMoved(PlacementState{}, before) ==
        std::set<std::string>{"n1", "n2", "n3", "n4"});

  // Against the signature itself: each node's signature differs exactly where a node is named.
  ServiceSpec spec;
  spec.name = "web";
  // The shares point into these.
  const std::vector<PlacedService> was = {{&spec, &before}}, is = {{&spec, &after}};
  auto shares_before = sharesByNode(was);
  auto shares_after = sharesByNode(is);
  static const NodeShare kNone;
  auto sig = [&](const std::map<std::string, NodeShare>& shares, const std::string& node) {
    auto it = shares.find(node);
    return signature(it == shares.end() ? kNone : it->second);
  };
  const auto moved = nodesWhoseShareMoved(before, after);
  for (const char* node : {"n1", "n2", "n3", "n4", "n5", "n6", "n7"}) {
    INFO(node);
    CHECK((sig(shares_before, node) != sig(shares_after, node)) == moved.contains(node));
  }
}
