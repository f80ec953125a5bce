#include "agent/units/units_reconciler.h"

#include <catch2/catch.hpp>

#include "tests/fakes/systemd_bus.h"

using namespace photon::agent;
using photon::agent::test::FakeSystemdBus;
using photon::common::Json;

namespace {
class PassingProbe final : public HealthProbe {
 public:
  photon::common::Status check(const HealthCheckSpec&) override { return {}; }
};

Json instance(const std::string& name, int revision) {
  return {{"name", name},
          {"exec", {"/bin/sleep", "1000"}},
          {"revision", revision},
          {"resources", {{"memory_bytes", 64 << 20}}}};
}
const Json* find(const Json& out, const std::string& name) {
  for (const auto& i : out["instances"]) {
    if (i["name"] == name) return &i;
  }
  return nullptr;
}
}  // namespace

TEST_CASE("units reconciler: a bad instance is refused alone, the others start", "[units]") {
  FakeSystemdBus::Shared world;
  UnitsReconciler r(std::make_unique<FakeSystemdBus>(world), std::make_unique<PassingProbe>());
  Json section = {instance("good", 1), instance("bad", 1), instance("BAD_NAME", 1)};
  section[1]["exec"][0] = "sleep";
  auto out = r.reconcile(section);
  REQUIRE(find(out, "good"));
  CHECK((*find(out, "good"))["state"] == "active");
  REQUIRE(find(out, "bad"));
  CHECK((*find(out, "bad"))["state"] == "refused");
  CHECK((*find(out, "bad"))["field"] == "units[1].exec[0]");
  CHECK((*find(out, "bad"))["error"].get<std::string>().find("absolute") != std::string::npos);
  REQUIRE(find(out, "BAD_NAME"));
  CHECK((*find(out, "BAD_NAME"))["field"] == "units[2].name");
  CHECK(world.calls == std::vector<std::string>{"start photon-good.service"});
}

TEST_CASE("units reconciler: a restarted agent adopts what runs and restarts nothing", "[units]") {
  FakeSystemdBus::Shared world;
  Json section = {instance("a", 1), instance("b", 1)};
  {
    UnitsReconciler first(std::make_unique<FakeSystemdBus>(world),
                          std::make_unique<PassingProbe>());
    first.reconcile(section);
  }
  auto pid = world.units.at("photon-a.service").main_pid;
  world.calls.clear();
  UnitsReconciler second(std::make_unique<FakeSystemdBus>(world), std::make_unique<PassingProbe>());
  auto out = second.reconcile(section);
  CHECK(world.calls.empty());
  CHECK((*find(out, "a"))["main_pid"] == pid);
}

TEST_CASE("units reconciler: revisions replace one at a time, removal stops", "[units]") {
  FakeSystemdBus::Shared world;
  UnitsReconciler r(std::make_unique<FakeSystemdBus>(world), std::make_unique<PassingProbe>());
  r.reconcile(Json{instance("a", 1), instance("b", 1), instance("c", 1)});
  world.calls.clear();
  r.reconcile(Json{instance("a", 2), instance("b", 2)});
  CHECK(world.calls == std::vector<std::string>{"stop photon-c.service", "stop photon-a.service",
                                                "start photon-a.service", "stop photon-b.service",
                                                "start photon-b.service"});
  CHECK(revisionFromDescription(world.units.at("photon-a.service").description) == "2");
}

TEST_CASE("units reconciler: a failed replacement defers the rest of the rollout", "[units]") {
  FakeSystemdBus::Shared world;
  UnitsReconciler r(std::make_unique<FakeSystemdBus>(world), std::make_unique<PassingProbe>());
  r.reconcile(Json{instance("a", 1), instance("b", 1)});
  world.calls.clear();
  world.fail_start.insert("photon-a.service");
  auto out = r.reconcile(Json{instance("a", 2), instance("b", 2)});
  CHECK(world.calls == std::vector<std::string>{"stop photon-a.service", "start photon-a.service"});
  CHECK((*find(out, "a"))["error"].get<std::string>().find("job ended failed") !=
        std::string::npos);
  CHECK((*find(out, "b"))["error"].get<std::string>().find("deferred") != std::string::npos);
  CHECK((*find(out, "b"))["revision"] == "1");
}

TEST_CASE("units reconciler: a null section keeps everything and starts nothing", "[units]") {
  FakeSystemdBus::Shared world;
  UnitsReconciler r(std::make_unique<FakeSystemdBus>(world), std::make_unique<PassingProbe>());
  r.reconcile(Json{instance("a", 1)});
  world.calls.clear();
  r.reconcile(Json());
  CHECK(world.calls.empty());
  CHECK(world.units.contains("photon-a.service"));
  CHECK_FALSE(r.validate(Json::object()));
}

TEST_CASE("units reconciler: an instance without a check is healthy while its unit is up",
          "[units]") {
  FakeSystemdBus::Shared world;
  UnitsReconciler r(std::make_unique<FakeSystemdBus>(world), std::make_unique<PassingProbe>());
  auto out = r.reconcile(Json{instance("a", 1)});
  CHECK((*find(out, "a"))["health"] == "healthy");
  CHECK(r.serviceHealth()->healthy("a"));
  CHECK_FALSE(r.serviceHealth()->healthy("nope"));
  world.units.at("photon-a.service").active_state = "failed";
  r.reconcile(Json());
  CHECK_FALSE(r.serviceHealth()->healthy("a"));
}

TEST_CASE(
    "units reconciler: the report it writes reads back through the coordinator's reader as the "
    "same struct",
    "[units]") {
  FakeSystemdBus::Shared world;
  UnitsReconciler r(std::make_unique<FakeSystemdBus>(world), std::make_unique<PassingProbe>());
  r.reconcile(Json{instance("a", 1), instance("b", 1)});
  Json update = {instance("a", 2), instance("b", 1)};
  update[1]["exec"][0] = "sleep";  // b's new spec is refused: its running unit is reported
  auto typed = r.report(update);
  REQUIRE(typed.instances.size() == 2);
  CHECK(typed.instances[0].status.has_value());
  REQUIRE(typed.instances[1].running.has_value());
  CHECK(typed.instances[1].running->state == photon::common::InstanceState::kActive);

  auto back = photon::common::unitsReportFromJson(photon::common::toJson(typed), "units");
  REQUIRE(back);
  CHECK(*back == typed);
}
