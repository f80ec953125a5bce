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

  auto ret = parseQmpMessage(R"({"return": {"status": "running", "singlestep": false, "running": true}, "id": "photon-7"})");
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

TEST_CASE("qmp protocol: query-pci shows which device sits behind each root port", "[vms]") {
  // Trimmed from a q35 VM with rp1..rp3, a disk on rp1 and a NIC on rp3.
  Json ret = Json::parse(R"([{"bus": 0, "devices": [
    {"bus": 0, "slot": 0, "function": 0, "class_info": {"desc": "Host bridge", "class": 1536},
     "id": {"device": 10688, "vendor": 32902}, "qdev_id": "", "regions": []},
    {"bus": 0, "slot": 1, "function": 0, "class_info": {"desc": "PCI bridge", "class": 1540},
     "id": {"device": 12, "vendor": 6966}, "qdev_id": "rp1", "regions": [],
     "pci_bridge": {"bus": {"number": 1, "secondary": 1, "subordinate": 1,
       "io_range": {"base": 4096, "limit": 8191}},
       "devices": [{"bus": 1, "slot": 0, "function": 0, "class_info": {"desc": "SCSI controller", "class": 256},
         "id": {"device": 4162, "vendor": 6900}, "qdev_id": "d1", "regions": []}]}},
    {"bus": 0, "slot": 2, "function": 0, "class_info": {"class": 1540}, "id": {"device": 12, "vendor": 6966},
     "qdev_id": "rp2", "regions": [], "pci_bridge": {"bus": {"number": 2}, "devices": []}},
    {"bus": 0, "slot": 3, "function": 0, "class_info": {"class": 1540}, "id": {"device": 12, "vendor": 6966},
     "qdev_id": "rp3", "regions": [], "pci_bridge": {"bus": {"number": 3},
       "devices": [{"bus": 3, "slot": 0, "function": 0, "class_info": {"class": 512},
         "id": {"device": 4161, "vendor": 6900}, "qdev_id": "n1", "regions": []}]}}
  ]}])");
  auto topo = parsePciTopology(ret);
  REQUIRE(topo);
  CHECK(topo->ports.at("rp1") == "d1");
  CHECK(topo->ports.at("rp2").empty());
  CHECK(topo->ports.at("rp3") == "n1");
  CHECK(topo->devices.count("d1"));
  CHECK(topo->devices.count("n1"));
  CHECK_FALSE(parsePciTopology(Json::object()));
}
