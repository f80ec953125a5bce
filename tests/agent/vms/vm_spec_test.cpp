#include "agent/vms/vm_spec.h"

#include <catch2/catch.hpp>

using namespace photon::agent;
using photon::common::Json;

namespace {

VmLimits limits() {
  return VmLimits{{"/var/lib/photon/images"}, 4096};
}

Json vm() {
  return Json::parse(R"({"name": "web", "cpus": 2, "memory_mib": 512,
    "disks": [{"id": "root", "image": "web.qcow2", "size_gib": 2},
              {"id": "data", "path": "/var/lib/photon/images/data.raw", "format": "raw"}],
    "nics": [{"id": "n0", "mac": "52:54:00:AA:BB:01", "user": true},
             {"id": "n1", "mac": "52:54:00:aa:bb:02", "tap": "tap-web"}],
    "state": "running", "restart": "always"})");
}

std::string fieldOf(const Json& section) {
  auto r = parseVmSection(section, limits());
  REQUIRE_FALSE(r);
  return r.error().field;
}

}  // namespace

TEST_CASE("vm spec: a full VM parses, images resolve into the image directory", "[vms]") {
  auto r = parseVmSection(Json::array({vm()}), limits());
  REQUIRE(r);
  const VmSpec& s = r->front();
  CHECK(s.cpus == 2);
  CHECK(s.disks[0].path == "/var/lib/photon/images/web.qcow2");
  CHECK(s.disks[0].size_gib == 2);
  CHECK(s.disks[1].format == "raw");
  CHECK(s.nics[0].mac == "52:54:00:aa:bb:01");
  CHECK(s.nics[0].kind == "user");
  CHECK(s.nics[1].kind == "tap");
  CHECK(s.nics[1].ifname == "tap-web");
  CHECK(s.restart == RestartPolicy::kAlways);
  // Round trip through the state file's form.
  auto again = parseVmSpec(toJson(s), "x", VmLimits{{"/"}, 0});
  REQUIRE(again);
  CHECK(again->disks == s.disks);
  CHECK(again->nics == s.nics);
}

TEST_CASE("vm spec: a path outside the image directories is refused naming the field", "[vms]") {
  Json v = vm();
  v["disks"][1]["path"] = "/etc/shadow";
  CHECK(fieldOf(Json::array({v})) == "vms[0].disks[1].path");
  v["disks"][1]["path"] = "/var/lib/photon/images/../../../etc/shadow";
  CHECK(fieldOf(Json::array({v})) == "vms[0].disks[1].path");
  v["disks"][1]["path"] = "/var/lib/photon/images-evil/x";
  CHECK(fieldOf(Json::array({v})) == "vms[0].disks[1].path");
  v = vm();
  v["disks"][0]["image"] = "../x";
  CHECK(fieldOf(Json::array({v})) == "vms[0].disks[0].image");
  v = vm();
  v["kernel"] = "/boot/vmlinuz";
  CHECK(fieldOf(Json::array({v})) == "vms[0].kernel");
}

TEST_CASE("vm spec: duplicate device ids across disks and NICs are refused", "[vms]") {
  Json v = vm();
  v["nics"][1]["id"] = "root";
  auto r = parseVmSection(Json::array({v}), limits());
  REQUIRE_FALSE(r);
  CHECK(r.error().field == "vms[0].nics[1].id");
  CHECK(r.error().message.find("duplicate") != std::string::npos);
}

TEST_CASE("vm spec: a MAC that does not parse is refused", "[vms]") {
  for (const char* mac : {"52:54:00:aa:bb", "52-54-00-aa-bb-01", "zz:54:00:aa:bb:01", ""}) {
    Json v = vm();
    v["nics"][0]["mac"] = mac;
    CHECK(fieldOf(Json::array({v})) == "vms[0].nics[0].mac");
  }
}

TEST_CASE("vm spec: memory beyond the node is refused, per VM and together", "[vms]") {
  Json v = vm();
  v["memory_mib"] = 8192;
  CHECK(fieldOf(Json::array({v})) == "vms[0].memory_mib");
  Json a = vm(), b = vm();
  a["memory_mib"] = 3000;
  b["name"] = "db";
  b["memory_mib"] = 2000;
  CHECK(fieldOf(Json::array({a, b})) == "vms[1].memory_mib");
  // A stopped VM takes no memory.
  b["state"] = "stopped";
  CHECK(parseVmSection(Json::array({a, b}), limits()));
}

TEST_CASE("vm spec: other bad input names its field", "[vms]") {
  Json v = vm();
  v["nics"][0]["tap"] = "tap0";  // two kinds
  CHECK(fieldOf(Json::array({v})) == "vms[0].nics[0]");
  v = vm();
  v["state"] = "exploded";
  CHECK(fieldOf(Json::array({v})) == "vms[0].state");
  v = vm();
  v["machine"] = "pc";
  CHECK(fieldOf(Json::array({v})) == "vms[0].machine");
  v = vm();
  v["disks"][0]["format"] = "vmdk";
  CHECK(fieldOf(Json::array({v})) == "vms[0].disks[0].format");
  Json w = vm();
  CHECK(fieldOf(Json::array({vm(), w})) == "vms[1].name");
  CHECK(fieldOf(Json::object()) == "vms");
}
