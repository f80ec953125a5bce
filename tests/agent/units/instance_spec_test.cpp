#include "agent/units/instance_spec.h"

#include <catch2/catch.hpp>

#include "agent/units/unit_render.h"

using namespace photon::agent;
using photon::common::Json;

namespace {
Json good() {
  return Json::parse(
      R"({"name": "web", "kind": "process", "exec": ["/usr/bin/web", "--port", "8080"],
    "env": {"MODE": "prod", "_X1": "y"}, "user": "www-data", "restart": "always",
    "resources": {"cpu_millis": 500, "memory_bytes": 268435456},
    "sandbox": {"protect_system": "strict", "private_network": true},
    "health": {"http": {"port": 8080, "path": "/healthz"}, "interval_s": 2, "rise": 3, "fall": 4},
    "revision": 7})");
}
std::string fieldOf(const Json& j) {
  auto r = parseInstance(j, "units[0]");
  REQUIRE_FALSE(r);
  return r.error().field;
}
}  // namespace

TEST_CASE("units spec: a full instance parses with every field", "[units]") {
  auto r = parseInstance(good(), "units[0]");
  REQUIRE(r);
  CHECK(r->name == "web");
  CHECK(r->exec.size() == 3);
  CHECK(r->env.at("MODE") == "prod");
  CHECK(r->restart == UnitRestart::kAlways);
  CHECK(r->resources.memory_bytes == 268435456);
  CHECK(r->sandbox.protect_system == "strict");
  CHECK(r->sandbox.private_network);
  CHECK(r->health.kind == HealthKind::kHttp);
  CHECK(r->health.path == "/healthz");
  CHECK(r->health.rise == 3);
  CHECK(r->revision == "7");
}

TEST_CASE("units spec: each kind of bad input names its field", "[units]") {
  auto j = good();
  j["exec"][0] = "web";
  CHECK(fieldOf(j) == "units[0].exec[0]");
  j = good();
  j["name"] = "Web_1";
  CHECK(fieldOf(j) == "units[0].name");
  j = good();
  j["env"]["1BAD"] = "x";
  CHECK(fieldOf(j) == "units[0].env.1BAD");
  j = good();
  j["env"]["A-B"] = "x";
  CHECK(fieldOf(j) == "units[0].env.A-B");
  j = good();
  j["resources"]["memory_bytes"] = 12;
  CHECK(fieldOf(j) == "units[0].resources.memory_bytes");
  j = good();
  j["resources"]["cpu_millis"] = 0;
  CHECK(fieldOf(j) == "units[0].resources.cpu_millis");
  j = good();
  j["restart"] = "sometimes";
  CHECK(fieldOf(j) == "units[0].restart");
  j = good();
  j["health"] = Json::parse(R"({"tcp": {"port": 80}, "exec": ["/bin/true"]})");
  CHECK(fieldOf(j) == "units[0].health");
  j = good();
  j["kind"] = "container";
  CHECK(fieldOf(j) == "units[0].image");
  j = good();
  j["revision"] = "a b";
  CHECK(fieldOf(j) == "units[0].revision");
}

TEST_CASE("units spec: the section must be a bounded list", "[units]") {
  CHECK(checkSection(Json()));
  CHECK(checkSection(Json::array()));
  CHECK_FALSE(checkSection(Json::object()));
  CHECK_FALSE(checkSection(Json(std::vector<int>(kMaxInstances + 1, 0))));
}

TEST_CASE("units render: a process becomes a sandboxed transient service", "[units]") {
  auto spec = parseInstance(good(), "u");
  REQUIRE(spec);
  auto u = renderUnit(*spec);
  CHECK(u.name == "photon-web.service");
  CHECK(u.exec_start == std::vector<std::string>{"/usr/bin/web", "--port", "8080"});
  CHECK(u.environment == std::vector<std::string>{"MODE=prod", "_X1=y"});
  CHECK(u.memory_max == 268435456u);
  CHECK(u.cpu_quota_per_sec_usec == 500'000u);
  CHECK(u.restart == "always");
  CHECK(u.type == "exec");  // a missing binary fails the start job
  CHECK(u.no_new_privileges);
  CHECK(u.protect_system == "strict");
  CHECK(u.private_network);
  CHECK(revisionFromDescription(u.description) == "7");
}

TEST_CASE("units render: a container runs its image under systemd-nspawn in the unit's cgroup",
          "[units]") {
  auto j = good();
  j["kind"] = "container";
  j["image"] = "busybox";
  j["exec"] = Json::parse(R"(["/bin/sleep", "100"])");
  auto spec = parseInstance(j, "u");
  REQUIRE(spec);
  auto u = renderUnit(*spec, {.images_dir = "/img", .nspawn_path = "/usr/bin/systemd-nspawn"});
  REQUIRE(u.exec_start.size() > 4);
  CHECK(u.exec_start[0] == "/usr/bin/systemd-nspawn");
  auto has = [&](const std::string& a) {
    return std::find(u.exec_start.begin(), u.exec_start.end(), a) != u.exec_start.end();
  };
  CHECK(has("--keep-unit"));
  CHECK(has("--directory=/img/busybox"));
  CHECK(has("--setenv=MODE=prod"));
  CHECK(has("--private-network"));
  CHECK(u.exec_start.back() == "100");
  CHECK(u.delegate);
  CHECK(u.type == "exec");
  CHECK(u.protect_system.empty());  // the sandbox is the container, not unit sandboxing
}

TEST_CASE("units render: revisions read back only from our own descriptions", "[units]") {
  CHECK(revisionFromDescription(unitDescription("a", "12")) == "12");
  CHECK_FALSE(revisionFromDescription("some other unit"));
  CHECK_FALSE(revisionFromDescription("photon instance a revision bad rev"));
  CHECK(instanceNameOf("photon-a-b.service") == "a-b");
  CHECK(instanceNameOf("photon-.service").empty());
  CHECK(instanceNameOf("other.service").empty());
}
