// The agent's reboot for a deployment: once per token, recorded before systemd is asked, and
// recognised as done after the node comes back in another boot, so that no desired document
// can make a reboot loop. Real Nix (NixWorld); the reboot itself is a fake here (the nspawn
// test reboots a real systemd).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "agent/nixos/reboot.h"
#include "tests/agent/nixos/nix_world.h"

using namespace photon::agent;
using photon::common::Json;
using photon::test::NixWorld;
using photon::test::reconcileUntilSettled;

namespace {
// Counts reboots and reads the boot id from a file the test rewrites to "boot" again.
struct FakeRebooter final : Rebooter {
  explicit FakeRebooter(std::string path, int* calls, bool* refuse)
      : path_(std::move(path)), calls_(calls), refuse_(refuse) {}
  photon::common::Status reboot() override {
    if (*refuse_) return photon::common::fail(photon::common::ErrorCode::kUnavailable, "refused");
    ++*calls_;
    return {};
  }
  std::string bootId() override { return photon::test::readText(path_); }
  std::string path_;
  int* calls_;
  bool* refuse_;
};

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}
void boot(NixWorld& w, const std::string& system, const std::string& boot_id) {
  std::filesystem::remove(w.file("root/run/booted-system"));
  std::filesystem::create_symlink(system, w.file("root/run/booted-system"));
  write(w.file("boot_id"), boot_id);
}
}  // namespace

TEST_CASE("reboot plan: once per token, done in another boot, never again", "[nixos][reboot]") {
  CHECK(planReboot("", "b1", std::nullopt) == RebootAction::kNothing);
  CHECK(planReboot("d-1-reboot", "b1", std::nullopt) == RebootAction::kReboot);
  RebootRecord r{"d-1-reboot", "b1", 5, ""};
  CHECK(planReboot("d-1-reboot", "b1", r) == RebootAction::kWait);
  CHECK(planReboot("d-1-reboot", "b2", r) == RebootAction::kDone);
  CHECK(planReboot("d-2-reboot", "b2", r) == RebootAction::kReboot);
  // No boot id to compare: never a second reboot for the token.
  CHECK(planReboot("d-1-reboot", "", r) == RebootAction::kDone);
  auto back = rebootRecordFromJson(toJson(r));
  REQUIRE(back);
  CHECK(*back == r);
  CHECK_FALSE(rebootRecordFromJson(Json{{"token", 3}}));
}

TEST_CASE("nixos: a reboot token reboots once, is recognised after the reboot, health-gated",
          "[nixos][reboot][integration]") {
  NixWorld w;
  int calls = 0;
  bool refuse = false;
  auto rec =
      makeNixosReconciler(w.options(), w.stateDir(),
                          std::make_unique<FakeRebooter>(w.file("boot_id"), &calls, &refuse));
  REQUIRE(reconcileUntilSettled(*rec, w.desired("good"))["outcome"] == "applied");
  boot(w, w.path("good"), "boot-1");

  auto d = w.desired("good2");
  d["mode"] = "boot";
  d["deployment"] = "d-1";
  auto applied = reconcileUntilSettled(*rec, d);
  REQUIRE(applied["outcome"] == "applied");
  CHECK(applied["reboot_required"] == true);
  CHECK(applied["boot_id"] == "boot-1");
  CHECK_FALSE(applied.contains("reboot"));
  CHECK(calls == 0);

  // systemd refuses: nothing recorded, asked again next round.
  d["reboot_token"] = "d-1-reboot";
  d["health"] = {{"exec", {{"/bin/test", "-e", w.file("healthy")}}}};
  refuse = true;
  auto refused = rec->reconcile(d);
  CHECK(refused["reboot"]["state"] == "failed");
  CHECK_THAT(refused["reboot"]["reason"].get<std::string>(), Catch::Contains("refused"));
  CHECK_FALSE(std::filesystem::exists(w.stateDir() + "/nixos-reboot.json"));
  refuse = false;

  auto asked = rec->reconcile(d);
  INFO(asked.dump());
  CHECK(asked["reboot"]["state"] == "requested");
  CHECK(calls == 1);
  CHECK((std::filesystem::status(w.stateDir() + "/nixos-reboot.json").permissions() &
         std::filesystem::perms::others_read) == std::filesystem::perms::none);
  // Still in the same boot (systemd on its way down): not asked twice.
  CHECK(rec->reconcile(d)["reboot"]["state"] == "requested");
  CHECK(calls == 1);

  // The node comes back: a new boot of the new system, and a new agent (the old one died with
  // the boot). The health gate fails until its check passes, then stays passed.
  rec.reset();
  boot(w, w.path("good2"), "boot-2");
  rec = makeNixosReconciler(w.options(), w.stateDir(),
                            std::make_unique<FakeRebooter>(w.file("boot_id"), &calls, &refuse));
  auto back = rec->reconcile(d);
  INFO(back.dump());
  CHECK(back["outcome"] == "applied");
  CHECK(back["booted_system"] == w.path("good2"));
  CHECK(back["reboot_required"] == false);
  CHECK(back["boot_id"] == "boot-2");
  CHECK(back["reboot"]["state"] == "done");
  CHECK(back["reboot"]["health"] == "failed");
  write(w.file("healthy"), "");
  CHECK(rec->reconcile(d)["reboot"]["health"] == "ok");
  std::filesystem::remove(w.file("healthy"));
  CHECK(rec->reconcile(d)["reboot"]["health"] == "ok");  // passed once in this boot
  CHECK(calls == 1);

  // Booted the old system after all (a bootloader fallback): still no second reboot for the
  // token; the coordinator sees the wrong booted system and times the node out.
  boot(w, w.path("good"), "boot-3");
  auto fallback = rec->reconcile(d);
  CHECK(fallback["reboot"]["state"] == "done");
  CHECK(fallback["booted_system"] == w.path("good"));
  CHECK(calls == 1);

  // A new deployment's token is a new reboot.
  d["reboot_token"] = "d-2-reboot";
  d["deployment"] = "d-2";
  CHECK(rec->reconcile(d)["reboot"]["state"] == "requested");
  CHECK(calls == 2);
}
