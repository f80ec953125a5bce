// The agent's systemd reboot against a real systemd booted in systemd-nspawn: the rebooter asks
// the container's systemd over its system bus (as the agent does over the node's), systemd
// stops every unit and reboots, nspawn ends with 133 ("the container rebooted"); the launcher
// (this test) boots the container again, which comes up in a new boot id, where the recorded
// reboot is seen done and not repeated.
#include <catch2/catch.hpp>
#include <fstream>

#include "agent/nixos/reboot.h"
#include "tests/support/nspawn_container.h"
#include "tests/support/temp_dir.h"

using namespace photon::agent;
using photon::test::NspawnContainer;
using namespace std::chrono_literals;

namespace {
NspawnContainer::Options options() {
  return {.rootfs = photon::test::ensureNspawnRootfs(PHOTON_SOURCE_DIR, PHOTON_BUILD_DIR),
          .name = "photon-reboot"};
}
std::unique_ptr<Rebooter> rebooterOf(const NspawnContainer& c) {
  return makeSystemdRebooter(c.root() + "/proc/sys/kernel/random/boot_id", c.busAddress());
}
}  // namespace

TEST_CASE("reboot: systemd reboots the node for real, it comes back in another boot, once",
          "[reboot][integration]") {
  photon::test::TempDir state;
  RebootState records(state.path());
  std::string token = "d-1-reboot";

  auto first = std::make_unique<NspawnContainer>(options());
  auto rebooter = rebooterOf(*first);
  std::string boot1 = rebooter->bootId();
  REQUIRE(boot1.size() == 36);
  auto none = records.load();
  REQUIRE(none);
  REQUIRE(planReboot(token, boot1, *none) == RebootAction::kReboot);
  REQUIRE(records.save({token, boot1, 1, ""}));

  auto started = std::chrono::steady_clock::now();
  auto asked = rebooter->reboot();
  REQUIRE(asked);
  // systemd takes the container down in order and reboots: nspawn ends with 133.
  int status = first->waitExit(60s);
  auto down_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count();
  INFO("nspawn log: " << std::ifstream(first->logPath()).rdbuf());
  CHECK(status == 133);
  WARN("reboot requested -> container down: " << down_ms << " ms");
  first.reset();  // its cgroups go before the next boot takes the same name

  // The launcher boots it again: a new boot id, and the record says this token's reboot is done.
  auto second = std::make_unique<NspawnContainer>(options());
  std::string boot2 = rebooterOf(*second)->bootId();
  CHECK(boot2.size() == 36);
  CHECK(boot2 != boot1);
  auto record = records.load();
  REQUIRE(record);
  CHECK(planReboot(token, boot2, *record) == RebootAction::kDone);
  CHECK(planReboot("d-2-reboot", boot2, *record) == RebootAction::kReboot);
}

TEST_CASE("reboot: without a system bus the reboot is refused, not faked",
          "[reboot][integration]") {
  auto rebooter = makeSystemdRebooter("/nonexistent/boot_id", "unix:path=/nonexistent/bus");
  auto r = rebooter->reboot();
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("no system bus"));
  CHECK(rebooter->bootId().empty());
}
