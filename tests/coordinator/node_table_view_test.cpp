// GET /api/v1/nodes?view=table: the machines table's slim form of each node, a part of the full
// document (same fields at the same paths, same values), much smaller, and refused when asked
// for a view that does not exist.
#include <catch2/catch.hpp>

#include "coordinator/api/node_table_view.h"
#include "tests/support/coordinator_fixture.h"

using namespace photon;
using common::Json;
using test::CoordinatorFixture;

namespace {
// Every field of `part` is in `whole` at the same path with the same value (arrays of the same
// length, element by element).
bool within(const Json& part, const Json& whole) {
  if (part.is_object()) {
    if (!whole.is_object()) return false;
    for (const auto& [key, value] : part.items()) {
      if (!whole.contains(key) || !within(value, whole[key])) return false;
    }
    return true;
  }
  if (part.is_array()) {
    if (!whole.is_array() || whole.size() != part.size()) return false;
    for (size_t i = 0; i < part.size(); ++i) {
      if (!within(part[i], whole[i])) return false;
    }
    return true;
  }
  return part == whole;
}
}  // namespace

TEST_CASE("node table view: only what the machines table reads, at the full view's paths",
          "[console][inventory]") {
  common::Node n;
  n.id = "node-1";
  n.machine_id = "m1";
  n.hostname = "web-1";
  n.state = common::NodeState::kDraining;
  n.drained_by = "operator";
  n.labels = {{"rack", "r1"}};
  n.deadline = 99;
  n.last_error = "a long error the table does not show";
  n.facts.cpu = {.model = "EPYC", .cores = 32, .threads = 64, .virtualization = true};
  n.facts.memory_bytes = int64_t{64} << 30;
  n.facts.disks = {{.name = "sda",
                    .size_bytes = 1000,
                    .rotational = true,
                    .model = "HDD",
                    .serial = "S1",
                    .wwn = "w"}};
  n.facts.nics = {{.name = "eth0",
                   .mac = "52:54:00:00:00:01",
                   .link_up = true,
                   .speed_mbps = 10000,
                   .driver = "virtio_net",
                   .addresses = {"10.0.0.1/24"}}};
  n.facts.dmi = {.vendor = "<img src=x>", .product = "PC", .serial = "SER", .uuid = "u"};

  Json t = coordinator::nodeTableView(n, "alive", Json{{"state", "on"}, {"error", ""}});
  Json whole = common::toJson(n);
  whole.update(Json{{"liveness", "alive"}, {"power", {{"state", "on"}}}});
  CHECK(within(t, whole));
  CHECK(t["state"] == "draining");
  CHECK(t["drained_by"] == "operator");
  CHECK(t["power"] == Json{{"state", "on"}});
  CHECK(t["facts"]["cpu"] == Json{{"model", "EPYC"}, {"cores", 32}});
  CHECK(t["facts"]["disks"] == Json::array({{{"size_bytes", 1000}}}));
  CHECK(t["facts"]["nics"] == Json::array({{{"mac", "52:54:00:00:00:01"}}}));
  CHECK(t["facts"]["dmi"]["vendor"] == "<img src=x>");  // searched by, shown as text
  for (const char* gone : {"deadline", "last_error", "profile", "disk_layout", "rule",
                           "address_index", "created_at", "last_seen", "power_step"}) {
    CHECK_FALSE(t.contains(gone));
  }
  CHECK(coordinator::nodeTableView(n, "", nullptr)["power"].is_null());
}

TEST_CASE("nodes: view=table answers a part of the full list, smaller, and refuses other views",
          "[console][inventory][integration]") {
  CoordinatorFixture c;
  std::vector<CoordinatorFixture::Enrolled> node;
  for (int i = 0; i < 3; ++i) node.push_back(c.enrol(i));
  const Json report = {{"domains",
                        {{"system",
                          {{"generation", 4},
                           {"outcome", "applied"},
                           {"system", "/nix/store/0123456789abcdfghijklmnpqrsvwxyz-nixos-system"},
                           {"reboot_required", true}}}}}};
  REQUIRE(c.as(node[1].token, "PUT", "/api/v1/nodes/" + node[1].id + "/observed", report.dump())
              .status == 200);
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + node[2].id + "/actions/rescue").status == 200);

  auto full = c.admin("GET", "/api/v1/nodes?with=system");
  auto table = c.admin("GET", "/api/v1/nodes?with=system&view=table");
  REQUIRE(full.status == 200);
  REQUIRE(table.status == 200);
  REQUIRE(table.body["nodes"].size() == 3);
  CHECK(table.body["revision"] == full.body["revision"]);
  for (size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(within(table.body["nodes"][i], full.body["nodes"][i]));
  }
  // The lists are in id order, not enrolment order.
  auto byId = [](const Json& list, const std::string& id) {
    for (const auto& n : list["nodes"]) {
      if (n["id"] == id) return n;
    }
    return Json();
  };
  CHECK(byId(table.body, node[2].id)["state"] == "rescue");
  CHECK(byId(full.body, node[1].id)["observed_system"].contains("system"));
  CHECK(byId(table.body, node[1].id)["observed_system"] ==
        Json{{"generation", 4}, {"outcome", "applied"}, {"reboot_required", true}});
  // These test machines report one disk and one NIC: 61 % here, 53 % for the console bench's fleet.
  CHECK(table.body.dump().size() * 4 < full.body.dump().size() * 3);

  // With the other parameters: the same slim form of the nodes they pick.
  const int64_t r = table.body["revision"];
  REQUIRE(c.admin("POST", "/api/v1/nodes/" + node[0].id + "/actions/rescue").status == 200);
  auto changed = c.admin("GET", "/api/v1/nodes?view=table&changed_since=" + std::to_string(r));
  REQUIRE(changed.body["nodes"].size() == 1);
  CHECK(changed.body["nodes"][0]["id"] == node[0].id);
  CHECK_FALSE(changed.body["nodes"][0].contains("last_error"));

  for (const char* bad : {"view=full", "view=", "view=table&view=x"}) {
    CAPTURE(bad);
    auto refused = c.admin("GET", std::string("/api/v1/nodes?") + bad);
    CHECK(refused.status == 400);
    CHECK(refused.body["field"] == "view");
  }
}
