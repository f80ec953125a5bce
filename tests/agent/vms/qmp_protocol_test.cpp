#include "agent/vms/qmp_protocol.h"

#include <catch2/catch.hpp>

using namespace photon::agent;
using photon::common::Json;

// Messages recorded from QEMU 7.2 (Debian 12) on q35.
TEST_CASE("qmp protocol: greeting, replies, errors and events are told apart", "[vms]") {
  auto greeting = parseQmpMessage(
      R"({"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}})");
  REQUIRE(greeting);
  CHECK(greeting->kind == QmpKind::kGreeting);

  auto ret = parseQmpMessage(
      R"({"return": {"status": "running", "singlestep": false, "running": true}, "id": "photon-7"})");
  REQUIRE(ret);
  CHECK(ret->kind == QmpKind::kReturn);
  CHECK(ret->id == "photon-7");
  CHECK(parseRunState(ret->value).value() == "running");

  auto err = parseQmpMessage(
      R"({"id": "photon-9", "error": {"class": "DeviceNotFound", "desc": "Device 'd9' not found"}})");
  REQUIRE(err);
  CHECK(err->kind == QmpKind::kError);
  CHECK(err->id == "photon-9");
  CHECK(err->error_class == "DeviceNotFound");

  auto backend = parseQmpMessage(
      R"({"timestamp": {"seconds": 1795319078, "microseconds": 362307}, "event": "DEVICE_DELETED", "data": {"path": "/machine/peripheral/d1/virtio-backend"}})");
  REQUIRE(backend);
  CHECK(backend->kind == QmpKind::kEvent);
  CHECK(deletedDeviceId(backend->value).empty());
  auto device = parseQmpMessage(
      R"({"timestamp": {"seconds": 1795319078, "microseconds": 413925}, "event": "DEVICE_DELETED", "data": {"device": "d1", "path": "/machine/peripheral/d1"}})");
  REQUIRE(device);
  CHECK(device->event == "DEVICE_DELETED");
  CHECK(deletedDeviceId(device->value) == "d1");

  CHECK_FALSE(parseQmpMessage("{\"retu"));
  CHECK_FALSE(parseQmpMessage("[1,2]"));
  CHECK_FALSE(parseQmpMessage(R"({"something": 1})"));
}

TEST_CASE("qmp protocol: commands carry their id and leave out empty arguments", "[vms]") {
  auto line = encodeQmpCommand("query-status", nullptr, "photon-1");
  CHECK(line.back() == '\n');
  Json j = Json::parse(line);
  CHECK(j == Json{{"execute", "query-status"}, {"id", "photon-1"}});
  j = Json::parse(encodeQmpCommand("device_del", Json{{"id", "d1"}}, "photon-2"));
  CHECK(j["arguments"]["id"] == "d1");
}

TEST_CASE("qmp protocol: qom-list of the peripherals gives the devices present", "[vms]") {
  // Recorded from a q35 VM started with -S: rp1 and n0 exist before the firmware runs.
  Json ret = Json::parse(R"([{"name": "type", "type": "string"},
    {"name": "rp1", "type": "child<pcie-root-port>"},
    {"name": "n0", "type": "child<virtio-net-pci>"}])");
  auto devices = parsePeripherals(ret);
  REQUIRE(devices);
  CHECK(*devices == std::set<std::string>{"rp1", "n0"});
  CHECK_FALSE(parsePeripherals(Json::object()));
}

TEST_CASE("qmp protocol: an error whose class or desc is not a string is read, not thrown",
          "[vms][fuzz]") {
  // Found by tests/fuzz/qmp_stream_fuzz.cpp: value("class", "") threw type_error on a number,
  // and a guest's QEMU decides what it sends.
  auto err = parseQmpMessage(R"({"error": {"class": 1, "desc": ["x"]}, "id": "photon-3"})");
  REQUIRE(err);
  CHECK(err->kind == QmpKind::kError);
  CHECK(err->id == "photon-3");
  CHECK(err->error_class.empty());
  CHECK(err->error_desc.empty());
}
