// /api/v1/vms against the real coordinator: placement by memory and virtualization, pinning,
// actions and deletion as they show in each node's desired "vms" section, bad input refused.
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <thread>

#include "tests/support/coordinator_fixture.h"
#include "tests/support/simulated_fleet.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

namespace {
using Host = test::FleetNode;

// A node taken to active as its agent would, with the given memory and virtualization.
Host activeHost(CoordinatorFixture& c, int n, int64_t memory_mib, bool virtualization) {
  Json machine = CoordinatorFixture::machine(n);
  machine["facts"]["memory_bytes"] = memory_mib << 20;
  machine["facts"]["cpu"]["virtualization"] = virtualization;
  Host h = test::activeNode(c, machine);
  REQUIRE(c.admin("GET", "/api/v1/nodes/" + h.id).body["state"] == "active");
  return h;
}

Json vm(int memory_mib) {
  return {{"memory_mib", memory_mib},
          {"cpus", 1},
          {"kernel", "/var/lib/photon/images/vmlinuz"},
          {"disks", {{{"id", "root"}, {"image", "root.qcow2"}, {"size_gib", 1}}}},
          {"nics", {{{"id", "n0"}, {"mac", "52:54:00:AA:BB:01"}, {"user", true}}}}};
}

// The names in a node's desired "vms" section, in order.
std::vector<std::string> sectionNames(CoordinatorFixture& c, const std::string& node) {
  auto r = c.admin("GET", "/api/v1/nodes/" + node + "/desired");
  REQUIRE(r.status == 200);
  std::vector<std::string> names;
  for (const auto& v : r.body.value("vms", Json::array())) names.push_back(v["name"]);
  return names;
}

Json sectionEntry(CoordinatorFixture& c, const std::string& node, const std::string& name) {
  auto r = c.admin("GET", "/api/v1/nodes/" + node + "/desired");
  for (const auto& v : r.body.value("vms", Json::array())) {
    if (v["name"] == name) return v;
  }
  return nullptr;
}

using Names = std::vector<std::string>;

struct World {
  CoordinatorFixture c;
  Host small, big, novirt;
  std::string discovered;
  World() {
    REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
    small = activeHost(c, 1, 4096, true);
    big = activeHost(c, 2, 8192, true);
    novirt = activeHost(c, 3, 16384, false);
    // Two cores match no rule: it stays discovered, however large.
    Json m = CoordinatorFixture::machine(4, 2);
    m["facts"]["memory_bytes"] = int64_t{32768} << 20;
    m["facts"]["cpu"]["virtualization"] = true;
    auto r = c.bootstrap("POST", "/api/v1/phone-home", m);
    REQUIRE(r.status == 200);
    discovered = r.body["node_id"];
  }
};
}  // namespace

TEST_CASE("vms: placed on the active node with virtualization and the most free memory",
          "[vms][integration]") {
  World w;
  auto& c = w.c;
  auto r = c.admin("PUT", "/api/v1/vms/a", vm(512));
  REQUIRE(r.status == 201);
  CHECK(r.body["node"] == w.big.id);  // 8192 free beats 4096; the larger ones are unfit
  CHECK(r.body["status"] == "pending");
  r = c.admin("PUT", "/api/v1/vms/b", vm(7000));
  REQUIRE(r.status == 201);
  CHECK(r.body["node"] == w.big.id);  // 7680 free
  r = c.admin("PUT", "/api/v1/vms/c", vm(4000));
  REQUIRE(r.status == 201);
  CHECK(r.body["node"] == w.small.id);  // big has 680 MiB left

  CHECK(sectionNames(c, w.big.id) == Names{"a", "b"});
  CHECK(sectionNames(c, w.small.id) == Names{"c"});
  CHECK(sectionNames(c, w.novirt.id).empty());
  CHECK(sectionNames(c, w.discovered).empty());
  Json entry = sectionEntry(c, w.big.id, "a");
  CHECK(entry["memory_mib"] == 512);
  CHECK(!entry.contains("node"));

  // Nothing has 2000 MiB free: a 409 that says why, and nothing stored.
  r = c.admin("PUT", "/api/v1/vms/d", vm(2000));
  CHECK(r.status == 409);
  CHECK(r.body["error"].get<std::string>().find("most free is 680 MiB on " + w.big.id) !=
        std::string::npos);
  CHECK(c.admin("GET", "/api/v1/vms/d").status == 404);
  // More than any node has at all: bad input, not a full cluster.
  r = c.admin("PUT", "/api/v1/vms/d", vm(40000));
  CHECK(r.status == 400);
  CHECK(r.body["field"] == "memory_mib");

  // Replacing a VM keeps it where it is, its own memory not counted against it.
  r = c.admin("PUT", "/api/v1/vms/b", vm(7600));
  CHECK(r.status == 200);
  CHECK(r.body["node"] == w.big.id);
  CHECK(sectionEntry(c, w.big.id, "b")["memory_mib"] == 7600);
  r = c.admin("PUT", "/api/v1/vms/b", vm(8000));  // 8000 + a's 512 > 8192: not moved silently
  CHECK(r.status == 409);
  CHECK(sectionEntry(c, w.big.id, "b")["memory_mib"] == 7600);

  auto list = c.admin("GET", "/api/v1/vms");
  REQUIRE(list.status == 200);
  REQUIRE(list.body["vms"].size() == 3);
  CHECK(list.body["vms"][0]["name"] == "a");
}

TEST_CASE("vms: only active nodes with virtualization host VMs", "[vms][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  activeHost(c, 1, 16384, false);
  auto r = c.admin("PUT", "/api/v1/vms/a", vm(512));
  CHECK(r.status == 409);
  CHECK(r.body["error"].get<std::string>().find("virtualization") != std::string::npos);
}

TEST_CASE("vms: pinned to a node, moved by a new pin, refused where it cannot run",
          "[vms][integration]") {
  World w;
  auto& c = w.c;
  Json spec = vm(1024);
  spec["node"] = w.small.id;
  auto r = c.admin("PUT", "/api/v1/vms/p", spec);
  REQUIRE(r.status == 201);
  CHECK(r.body["node"] == w.small.id);
  CHECK(r.body["pinned"] == true);
  CHECK(sectionNames(c, w.small.id) == Names{"p"});

  spec["node"] = w.big.id;
  r = c.admin("PUT", "/api/v1/vms/p", spec);
  REQUIRE(r.status == 200);
  CHECK(r.body["node"] == w.big.id);
  CHECK(sectionNames(c, w.small.id).empty());
  CHECK(sectionNames(c, w.big.id) == Names{"p"});

  spec["node"] = w.novirt.id;
  r = c.admin("PUT", "/api/v1/vms/p", spec);
  CHECK(r.status == 409);
  CHECK(r.body["field"] == "node");
  CHECK(r.body["error"].get<std::string>().find("no hardware virtualization") != std::string::npos);
  spec["node"] = w.discovered;
  r = c.admin("PUT", "/api/v1/vms/p", spec);
  CHECK(r.status == 409);
  CHECK(r.body["error"].get<std::string>().find("not active") != std::string::npos);
  spec["node"] = w.small.id;
  spec["memory_mib"] = 5000;
  r = c.admin("PUT", "/api/v1/vms/p", spec);
  CHECK(r.status == 409);
  CHECK(r.body["error"].get<std::string>().find("4096 MiB free") != std::string::npos);
  spec["node"] = "node-nothere";
  spec["memory_mib"] = 1024;
  CHECK(c.admin("PUT", "/api/v1/vms/p", spec).status == 404);
  spec["node"] = "Not A Name";
  r = c.admin("PUT", "/api/v1/vms/p", spec);
  CHECK(r.status == 400);
  CHECK(r.body["field"] == "node");
  CHECK(sectionNames(c, w.big.id) == Names{"p"});  // every refusal left it where it was
}

TEST_CASE("vms: start, stop and reset change the node's desired section", "[vms][integration]") {
  World w;
  auto& c = w.c;
  REQUIRE(c.admin("PUT", "/api/v1/vms/a", vm(512)).status == 201);
  auto rev = [&] {
    return c.admin("GET", "/api/v1/nodes/" + w.big.id + "/desired").body["revision"];
  };
  auto before = rev();
  auto r = c.admin("POST", "/api/v1/vms/a/actions/stop");
  REQUIRE(r.status == 200);
  CHECK(r.body["spec"]["state"] == "stopped");
  CHECK(sectionEntry(c, w.big.id, "a")["state"] == "stopped");
  CHECK(rev() != before);
  REQUIRE(c.admin("POST", "/api/v1/vms/a/actions/start").status == 200);
  CHECK(sectionEntry(c, w.big.id, "a")["state"] == "running");
  REQUIRE(c.admin("POST", "/api/v1/vms/a/actions/reset").status == 200);
  REQUIRE(c.admin("POST", "/api/v1/vms/a/actions/reset").status == 200);
  CHECK(sectionEntry(c, w.big.id, "a")["reset_generation"] == 2);
  // A replaced spec does not take reset_generation back down (the agent resets on a rise).
  REQUIRE(c.admin("PUT", "/api/v1/vms/a", vm(512)).status == 200);
  CHECK(sectionEntry(c, w.big.id, "a")["reset_generation"] == 2);

  r = c.admin("POST", "/api/v1/vms/a/actions/explode");
  CHECK(r.status == 400);
  CHECK(r.body["field"] == "action");
  CHECK(c.admin("POST", "/api/v1/vms/nothere/actions/start").status == 404);
}

TEST_CASE("vms: bad input is refused with the field named and nothing stored",
          "[vms][integration]") {
  World w;
  auto& c = w.c;
  auto refused = [&](const std::string& name, const Json& body, const std::string& field) {
    auto r = c.admin("PUT", "/api/v1/vms/" + name, body);
    INFO(name << " " << body.dump() << " -> " << r.body.dump());
    CHECK(r.status == 400);
    CHECK(r.body["field"] == field);
  };
  Json bad = vm(512);
  bad["nics"][0]["mac"] = "52:54:00:zz:bb:01";
  refused("a", bad, "nics[0].mac");
  bad = vm(512);
  bad["nics"][0]["id"] = "root";  // disks and NICs share QEMU's id space
  refused("a", bad, "nics[0].id");
  bad = vm(512);
  bad["kernel"] = "/var/lib/photon/../../etc/shadow";
  refused("a", bad, "kernel");
  bad = vm(512);
  bad["disks"][0]["image"] = "../root.qcow2";
  refused("a", bad, "disks[0].image");
  bad = vm(512);
  bad["state"] = "exploded";
  refused("a", bad, "state");
  bad = vm(512);
  bad["memory"] = 512;
  refused("a", bad, "memory");
  bad = vm(512);
  bad["name"] = "b";
  refused("a", bad, "name");
  refused("Bad_Name", vm(512), "name");
  refused("a", Json::array(), "body");
  auto r = c.as(test::kAdminToken, "PUT", "/api/v1/vms/a", "{not json");
  CHECK(r.status == 400);

  CHECK(c.admin("GET", "/api/v1/vms").body["vms"].empty());
  CHECK(sectionNames(c, w.big.id).empty());
}

TEST_CASE("vms: delete takes the VM out of its node's section, the list merges observed status",
          "[vms][integration]") {
  World w;
  auto& c = w.c;
  REQUIRE(c.admin("PUT", "/api/v1/vms/a", vm(512)).status == 201);
  REQUIRE(c.admin("PUT", "/api/v1/vms/b", vm(512)).status == 201);
  REQUIRE(sectionNames(c, w.big.id) == Names{"a", "b"});

  Json observed = {
      {"domains",
       {{"vms",
         {{"accel", "tcg"}, {"vms", {{{"name", "a"}, {"status", "running"}, {"pid", 42}}}}}}}}};
  REQUIRE(
      c.as(w.big.token, "PUT", "/api/v1/nodes/" + w.big.id + "/observed", observed.dump()).status ==
      200);
  auto list = c.admin("GET", "/api/v1/vms");
  REQUIRE(list.body["vms"].size() == 2);
  CHECK(list.body["vms"][0]["status"] == "running");
  CHECK(list.body["vms"][0]["observed"]["pid"] == 42);
  CHECK(list.body["vms"][0]["accel"] == "tcg");
  CHECK(list.body["vms"][1]["status"] == "pending");
  CHECK(c.admin("GET", "/api/v1/vms/a").body["status"] == "running");

  auto r = c.admin("DELETE", "/api/v1/vms/a");
  CHECK(r.status == 200);
  CHECK(sectionNames(c, w.big.id) == Names{"b"});
  CHECK(c.admin("GET", "/api/v1/vms/a").status == 404);
  CHECK(c.admin("DELETE", "/api/v1/vms/a").status == 404);
  REQUIRE(c.admin("DELETE", "/api/v1/vms/b").status == 200);
  // The section stays, empty: the agent stops what it runs.
  auto desired = c.admin("GET", "/api/v1/nodes/" + w.big.id + "/desired");
  CHECK(desired.body["vms"] == Json::array());
}

TEST_CASE("vms: a node's long-poll answers when a VM is placed on it and when it is removed",
          "[vms][integration]") {
  World w;
  auto& c = w.c;
  const std::string path = "/api/v1/nodes/" + w.big.id + "/desired";
  auto first = c.as(w.big.token, "GET", path);
  REQUIRE(first.status == 200);
  // Each wait is answered by a VM change alone: nothing else writes the node's document.
  auto pollWhile = [&](const std::string& etag, const std::function<void()>& change) {
    std::thread writer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      change();
    });
    auto started = std::chrono::steady_clock::now();
    auto polled = c.as(w.big.token, "GET", path + "?wait=20", "", {{"If-None-Match", etag}});
    auto waited = std::chrono::steady_clock::now() - started;
    writer.join();
    CHECK(waited >= std::chrono::milliseconds(250));
    CHECK(waited < std::chrono::seconds(10));
    return polled;
  };
  auto placed = pollWhile(first.etag, [&] {
    Json pinned = vm(512);
    pinned["node"] = w.big.id;
    CHECK(c.admin("PUT", "/api/v1/vms/a", pinned).status == 201);
  });
  REQUIRE(placed.status == 200);
  REQUIRE(placed.body["vms"].size() == 1);
  CHECK(placed.body["vms"][0]["name"] == "a");
  CHECK(placed.etag == "\"" + std::to_string(placed.body["revision"].get<int64_t>()) + "\"");

  auto removed =
      pollWhile(placed.etag, [&] { CHECK(c.admin("DELETE", "/api/v1/vms/a").status == 200); });
  REQUIRE(removed.status == 200);
  CHECK(removed.body["vms"] == Json::array());
  CHECK(removed.etag != placed.etag);
}

TEST_CASE("vms: a node's vms section is not written by hand", "[vms][integration]") {
  World w;
  auto& c = w.c;
  REQUIRE(c.admin("PUT", "/api/v1/vms/a", vm(512)).status == 201);
  auto r = c.admin("PUT", "/api/v1/nodes/" + w.big.id + "/desired/vms", Json::array());
  CHECK(r.status == 400);
  CHECK(r.body["field"] == "section");
  CHECK(sectionNames(c, w.big.id) == Names{"a"});
}
