// The reported states' name tables (common/api/observed.h) and the units report the coordinator
// reads (common/api/units_report.h): every name reads back as its value, and an unknown one is
// an error that names its field.
#include "common/api/units_report.h"

#include <catch2/catch.hpp>
#include <set>

using namespace photon::common;

namespace {

// Every value of E has one name, distinct from the others, that parses back to it.
template <typename E>
void checkTable() {
  std::set<std::string_view> names;
  for (const auto& [value, name] : EnumNames<E>::kNames) {
    CHECK(toString(value) == name);
    CHECK(parseEnum<E>(name) == value);
    CHECK(names.insert(name).second);
    Json j = {{"state", std::string(name)}};
    auto read = readEnum<E>(j, "state", "x");
    REQUIRE(read);
    CHECK(*read == value);
  }
  CHECK_FALSE(parseEnum<E>("no-such-state"));
}

}  // namespace

TEST_CASE("observed states: every enum's names round-trip and are distinct", "[common]") {
  checkTable<InstanceHealth>();
  checkTable<InstanceState>();
  checkTable<ActivationOutcome>();
  checkTable<Liveness>();
  checkTable<VmStatus>();
  checkTable<BgpSessionState>();
}

TEST_CASE("observed states: the wire names are the ones the daemons always sent", "[common]") {
  CHECK(toString(InstanceHealth::kUnknown) == "");
  CHECK(toString(InstanceHealth::kHealthy) == "healthy");
  CHECK(toString(InstanceState::kRefused) == "refused");
  CHECK(toString(ActivationOutcome::kRolledBack) == "rolled-back");
  CHECK(toString(Liveness::kNotExpected) == "");
  CHECK(toString(Liveness::kMissing) == "missing");
  CHECK(toString(VmStatus::kPrelaunch) == "prelaunch");
  CHECK(toString(BgpSessionState::kEstablished) == "Established");
}

TEST_CASE("observed states: an unknown name is an error naming the field and the choices",
          "[common]") {
  Json j = {{"outcome", "exploded"}};
  auto read = readEnum<ActivationOutcome>(j, "outcome", "system");
  REQUIRE_FALSE(read);
  CHECK(read.error().code == ErrorCode::kInvalid);
  CHECK(read.error().field == "system.outcome");
  CHECK(read.error().message ==
        "unknown value 'exploded' (one of 'applied', 'activating', 'failed', 'rolled-back')");

  auto not_string = readEnum<ActivationOutcome>(Json{{"outcome", 3}}, "outcome", "system");
  REQUIRE_FALSE(not_string);
  CHECK(not_string.error().field == "system.outcome");
  auto absent = readEnum<ActivationOutcome>(Json::object(), "outcome", "system");
  REQUIRE_FALSE(absent);
  auto fallback = readEnum(Json::object(), "outcome", "system", ActivationOutcome::kActivating);
  REQUIRE(fallback);
  CHECK(*fallback == ActivationOutcome::kActivating);
}

TEST_CASE("units report: an instance report round-trips through its JSON", "[common]") {
  InstanceReport r{.name = "web-1",
                   .state = InstanceState::kActive,
                   .health = InstanceHealth::kUnhealthy,
                   .revision = "r7",
                   .error = "restart: unit failed"};
  auto back = instanceReportFromJson(toJson(r), "i");
  REQUIRE(back);
  CHECK(*back == r);

  InstanceReport bare{.name = "web-2", .state = InstanceState::kRefused};
  Json j = toJson(bare);
  CHECK_FALSE(j.contains("health"));  // no check ran: nothing on the wire, as before
  auto bare_back = instanceReportFromJson(j, "i");
  REQUIRE(bare_back);
  CHECK(*bare_back == bare);
}

TEST_CASE("units report: the agent's instances are read from an observed document", "[common]") {
  Json observed = {{"domains",
                    {{"units",
                      {{"instances",
                        {{{"name", "a"},
                          {"unit", "photon-a.service"},
                          {"state", "active"},
                          {"health", "healthy"},
                          {"revision", "r1"},
                          {"main_pid", 42}},
                         {{"name", "b"}, {"state", "refused"}, {"error", std::string(5000, 'x')}},
                         {{"name", "c"}, {"state", "inactive"}}}}}}}}};
  auto units = unitsReportFromObserved(observed);
  REQUIRE(units);
  REQUIRE(units->size() == 3);
  CHECK((*units)[0].state == InstanceState::kActive);
  CHECK((*units)[0].health == InstanceHealth::kHealthy);
  CHECK((*units)[0].revision == "r1");
  CHECK((*units)[1].state == InstanceState::kRefused);
  CHECK((*units)[1].error.size() == kMaxReportedError + 3);  // cut, not refused
  CHECK((*units)[2].health == InstanceHealth::kUnknown);

  CHECK(unitsReportFromObserved(Json::object())->empty());
  CHECK(unitsReportFromObserved(Json{{"domains", {{"system", Json::object()}}}})->empty());
}

TEST_CASE(
    "units report: an entry with an unknown state is kept by name with the error and hides none "
    "of the others",
    "[common]") {
  Json observed = {{"domains",
                    {{"units",
                      {{"instances",
                        {{{"name", "a"}, {"state", "active"}},
                         {{"name", "b"}, {"state", "zombie"}},
                         {{"name", "c"}, {"state", "failed"}}}}}}}}};
  auto units = unitsReportFromObserved(observed);
  REQUIRE(units);
  REQUIRE(units->size() == 3);
  CHECK((*units)[1].name == "b");
  CHECK((*units)[1].state == InstanceState::kUnknown);
  CHECK((*units)[1].health == InstanceHealth::kUnknown);
  CHECK((*units)[1].error.starts_with("domains.units.instances[1].state: unknown value 'zombie'"));
  // The failed instance after it is still seen as failed.
  CHECK((*units)[2].state == InstanceState::kFailed);

  observed["domains"]["units"]["instances"] = {{{"state", "active"}}, {{"name", "d"}}};
  auto nameless = unitsReportFromObserved(observed);
  REQUIRE(nameless);
  REQUIRE(nameless->size() == 1);
  CHECK((*nameless)[0].name == "d");

  observed["domains"]["units"]["instances"] = "not a list";
  auto bad = unitsReportFromObserved(observed);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().field == "domains.units.instances");
}
