// Validation gaps as attacks against a real coordinator: a layout name that is a path, an
// instance that would be Photon's own unit, VIPs that take over a node's own traffic, firmware
// bytes that are not UTF-8, and terminal escapes in what photonctl prints.
#include <catch2/catch.hpp>

#include "tests/nix/run_program.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

TEST_CASE("trust: a pool's disk layout that is a path is refused", "[trust][integration]") {
  CoordinatorFixture c;
  for (const char* layout : {"../../etc/shadow", "..", "/etc/passwd", "a/b", ".hidden"}) {
    Json cluster = CoordinatorFixture::sampleCluster();
    cluster["pools"][0]["disk_layout"] = layout;
    auto r = c.admin("PUT", "/api/v1/cluster", cluster);
    INFO(layout);
    CHECK(r.status == 400);
    CHECK(r.body["field"] == "pools[0].disk_layout");
  }
  Json cluster = CoordinatorFixture::sampleCluster();
  cluster["pools"][0]["disk_layout"] = "raid1_nvme.v2";
  CHECK(c.admin("PUT", "/api/v1/cluster", cluster).status == 200);
}

TEST_CASE("trust: an instance that would be photon-agent or photon-coordinator is refused",
          "[trust][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  auto enrolled = c.bootstrap("POST", "/api/v1/phone-home", CoordinatorFixture::machine(1));
  REQUIRE(enrolled.status == 200);
  std::string path =
      "/api/v1/nodes/" + enrolled.body["node_id"].get<std::string>() + "/desired/units";
  for (const char* name : {"agent", "coordinator", "bootstrap", "photon-agent"}) {
    Json units = {{{"name", "web-1"}, {"exec", {"/bin/true"}}},
                  {{"name", name}, {"exec", {"/bin/sh", "-c", "kill 1"}}}};
    auto r = c.admin("PUT", path, units);
    INFO(name << ": " << r.body.dump());
    CHECK(r.status == 400);
    CHECK(r.body["field"] == "units[1].name");
    CHECK(r.body.value("error", "").find("reserved") != std::string::npos);
  }
  // Placement's instances are "<service>-<n>": a service may be called "agent".
  CHECK(c.admin("PUT", path, Json{{{"name", "agent-0"}, {"exec", {"/bin/true"}}}}).status == 200);
}

TEST_CASE("trust: a VIP on 0.0.0.0, loopback, multicast or link-local is refused",
          "[trust][integration]") {
  CoordinatorFixture c;
  for (const char* vip : {"0.0.0.0", "127.0.0.1/32", "224.0.0.5", "169.254.169.254", "::1",
                          "ff02::1", "fe80::1/128", "10.0.100.1/24"}) {
    Json cluster = CoordinatorFixture::sampleCluster();
    cluster["vips"] = {{{"name", "api"}, {"address", vip}, {"service", "web"}}};
    auto r = c.admin("PUT", "/api/v1/cluster", cluster);
    INFO(vip << ": " << r.body.dump());
    CHECK(r.status == 400);
    CHECK(r.body["field"] == "vips[0].address");
  }
  Json cluster = CoordinatorFixture::sampleCluster();
  cluster["vips"] = {{{"name", "api"}, {"address", "10.0.100.1/32"}, {"service", "web"}}};
  CHECK(c.admin("PUT", "/api/v1/cluster", cluster).status == 200);
}

TEST_CASE("trust: a DMI serial of 0xFF bytes enrols cleanly, the bytes replaced",
          "[trust][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  std::string body = CoordinatorFixture::machine(5).dump();
  const std::string serial = "\"SER-5\"";
  REQUIRE(body.find(serial) != std::string::npos);
  body.replace(body.find(serial), serial.size(), "\"\xff\xff\xfe-5\"");
  auto r = c.as(test::kBootstrapToken, "POST", "/api/v1/phone-home", body);
  INFO(r.body.dump());
  REQUIRE(r.status == 200);
  std::string id = r.body["node_id"];
  auto node = c.admin("GET", "/api/v1/nodes/" + id);
  REQUIRE(node.status == 200);
  CHECK(node.body["facts"]["dmi"]["serial"] == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD-5");
  CHECK(c.admin("GET", "/api/v1/nodes").status == 200);  // the list dumps it again
}

TEST_CASE("trust: photonctl shows a machine's terminal escapes instead of running them",
          "[trust][integration]") {
  CoordinatorFixture c;
  REQUIRE(c.admin("PUT", "/api/v1/cluster", CoordinatorFixture::sampleCluster()).status == 200);
  Json machine = CoordinatorFixture::machine(6, 2);
  // Sets the terminal's title and clears the screen; an 8-bit CSI in UTF-8 as well.
  machine["facts"]["dmi"]["vendor"] =
      "\x1b]0;owned\x07\x1b[2J\xc2\x9b"
      "31mACME";
  auto r = c.bootstrap("POST", "/api/v1/phone-home", machine);
  REQUIRE(r.status == 200);
  std::string id = r.body["node_id"];
  test::TempDir dir;
  std::string token_file = dir.write("admin", test::kAdminToken);
  std::string ctl = std::string(PHOTON_BUILD_DIR) + "/coordinator/photonctl";
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"node", "show", id}, std::vector<std::string>{"nodes"}}) {
    std::vector<std::string> argv = {ctl, "--coordinator", c.url(), "--token-file", token_file};
    argv.insert(argv.end(), command.begin(), command.end());
    auto run = test::runProgram(argv, dir.path());
    INFO(run.out << run.err);
    CHECK(run.exit_code == 0);
    CHECK(run.out.find('\x1b') == std::string::npos);
    CHECK(run.out.find('\x07') == std::string::npos);
    CHECK(run.out.find("\xc2\x9b") == std::string::npos);
    if (command[0] == "node")
      CHECK(run.out.find("\\x1b]0;owned\\x07\\x1b[2J\\x9b31mACME") != std::string::npos);
  }
}
