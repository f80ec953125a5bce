// The stored placement document: it reads back what was written, and a corrupt field is an
// error naming it rather than a default.
#include <catch2/catch.hpp>

#include "coordinator/placement/placement_state.h"
#include "coordinator/placement/world.h"

using namespace photon::coordinator::placement;
using photon::common::ErrorCode;
using photon::common::Json;

namespace {
PlacementState sample() {
  PlacementState s;
  s.service = "web";
  s.next_index = 7;
  s.allocations.push_back({.name = "web-5",
                           .slot = 1,
                           .node = "n-2",
                           .revision = "r1",
                           .created_at = 100,
                           .health = photon::common::InstanceHealth::kHealthy,
                           .error = "",
                           .healthy_since = 120,
                           .replaces = "web-3",
                           .lost = true});
  s.unplaced.push_back({2, "no-capacity: none of 3 nodes has room", "web-4"});
  s.templates["r1"] = Json{{"exec", {"/bin/web"}}};
  s.last_healthy_spec = Json{{"name", "web"}};
  s.last_healthy_revision = "r0";
  s.paused_reason = "rollout paused";
  return s;
}
}  // namespace

TEST_CASE("placement state: a stored document reads back as written", "[placement]") {
  auto back = placementStateFromJson(toJson(sample()));
  REQUIRE(back);
  CHECK(toJson(*back) == toJson(sample()));
}

TEST_CASE("placement state: a corrupt field is an error that names it, not a default",
          "[placement]") {
  auto [field, value, named] = GENERATE(table<std::string, Json, std::string>({
      {"next_index", "7", "next_index"},
      {"allocations", Json::object(), "allocations"},
      {"paused_reason", 3, "paused_reason"},
      {"templates", Json::array(), "templates"},
  }));
  Json doc = toJson(sample());
  doc[field] = value;
  auto read = placementStateFromJson(doc);
  REQUIRE_FALSE(read);
  CHECK(read.error().code == ErrorCode::kInternal);
  CHECK(read.error().field == named);
  CHECK(read.error().message.starts_with("corrupt placement state: field '" + named + "'"));
}

TEST_CASE("placement state: a corrupt allocation is an error, not a dropped instance",
          "[placement]") {
  auto [field, value] = GENERATE(table<std::string, Json>({
      {"slot", "one"},
      {"node", ""},
      {"lost", "yes"},
      {"healthy_since", -5},
  }));
  Json doc = toJson(sample());
  doc["allocations"][0][field] = value;
  auto read = placementStateFromJson(doc);
  REQUIRE_FALSE(read);
  CHECK(read.error().code == ErrorCode::kInternal);
  CHECK(read.error().field == "allocations[0]." + field);
}

TEST_CASE("placement state: an agent's long error is bounded so the document reads back",
          "[placement]") {
  Json observed = {
      {"domains",
       {{"units",
         {{"instances",
           {{{"name", "web-5"}, {"state", "failed"}, {"error", std::string(20000, 'x')}}}}}}}}};
  auto read = parseObservedUnits(observed);
  REQUIRE(read);
  auto& units = *read;
  REQUIRE(units.contains("web-5"));
  CHECK(units["web-5"].error.size() < 1100);
  PlacementState s = sample();
  s.allocations[0].error = units["web-5"].error;
  s.paused_reason = "rollout of revision r1 paused: instance web-5 on node n-2 is failed (" +
                    units["web-5"].error + ")";
  CHECK(placementStateFromJson(toJson(s)));
}

TEST_CASE("placement state: instance counts, as status and metrics show them", "[placement]") {
  PlacementState s = sample();  // web-5: lost
  s.allocations.push_back({.name = "web-6",
                           .slot = 0,
                           .node = "n-1",
                           .health = photon::common::InstanceHealth::kHealthy});
  s.allocations.push_back({.name = "web-7",
                           .slot = 2,
                           .node = "n-3",
                           .health = photon::common::InstanceHealth::kStarting});
  auto counts = countInstances(s);
  CHECK(counts.placed == 2);
  CHECK(counts.healthy == 1);
  CHECK(counts.lost == 1);
  CHECK(counts.unplaced == 1);
}
