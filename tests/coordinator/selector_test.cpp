// The one node selector: a deployment's, a service's placement selector and the node list's
// filter all read and match through it.
#include <catch2/catch.hpp>

#include "common/api/node.h"
#include "coordinator/inventory/selector.h"
#include "coordinator/placement/scheduler.h"

using namespace photon;
using common::Json;
using coordinator::parseSelector;
using coordinator::Selector;

TEST_CASE("selector: ids, pool, class and labels must all match", "[inventory]") {
  auto parsed = parseSelector(Json{{"nodes", {"n-1", "n-2"}},
                                   {"pool", "web"},
                                   {"class", "compute"},
                                   {"labels", {{"rack", "r1"}}}},
                              "selector");
  REQUIRE(parsed);
  common::Node node;
  node.id = "n-1";
  node.pool = "web";
  node.class_name = "compute";
  node.labels = {{"rack", "r1"}, {"tier", "gold"}};
  CHECK(parsed->matches(node));
  // The scheduler's view of the same node answers the same.
  coordinator::placement::SchedulerNode sched{
      .id = node.id, .labels = node.labels, .class_name = node.class_name, .pool = node.pool};
  CHECK(parsed->matches(sched));
  auto differs = [&](auto change) {
    common::Node other = node;
    change(other);
    return !parsed->matches(other);
  };
  CHECK(differs([](common::Node& n) { n.id = "n-3"; }));
  CHECK(differs([](common::Node& n) { n.pool = "db"; }));
  CHECK(differs([](common::Node& n) { n.class_name = "storage"; }));
  CHECK(differs([](common::Node& n) { n.labels.erase("rack"); }));
  CHECK(differs([](common::Node& n) { n.labels["rack"] = "r2"; }));
  CHECK(Selector{}.matches(node));
  CHECK(Selector{}.empty());
}

TEST_CASE("selector: bad input names the field, JSON round-trips", "[inventory]") {
  auto [body, field] = GENERATE(table<Json, std::string>({
      {Json{{"rack", "r1"}}, "selector.rack"},
      {Json{{"pool", "no spaces"}}, "selector.pool"},
      {Json{{"nodes", {"bad id"}}}, "selector.nodes[0]"},
      {Json{{"labels", {{"Rack", "r1"}}}}, "selector.labels.Rack"},
      {Json::array(), "selector"},
  }));
  auto parsed = parseSelector(body, "selector");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().field == field);

  Json full = {{"nodes", {"n-1"}}, {"pool", "web"}, {"class", "compute"}, {"labels", {{"a", "b"}}}};
  auto read = parseSelector(full, "selector");
  REQUIRE(read);
  CHECK(coordinator::toJson(*read) == full);
}
