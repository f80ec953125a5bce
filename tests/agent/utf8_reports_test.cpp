// Firmware, guests and programs hand the agent any bytes; everything it writes or sends goes
// through common::dumpJson, so that a byte that is not UTF-8 is reported as U+FFFD instead of
// throwing from nlohmann's dump() and killing the agent.
#include <catch2/catch.hpp>

#include "agent/facts/collector.h"
#include "agent/nixos/journal.h"
#include "agent/run/desired_cache.h"
#include "common/api/node.h"
#include "common/json_dump.h"
#include "common/text.h"
#include "tests/support/temp_dir.h"

using namespace photon;
using photon::test::TempDir;

namespace {
const std::string kFffd = "\xEF\xBF\xBD";
}

TEST_CASE("agent utf-8: a DMI serial of 0xFF bytes is reported, not fatal", "[agent][sandbox]") {
  TempDir t;
  t.write("etc/machine-id", "0123456789abcdef0123456789abcdef\n");
  t.write("proc/cpuinfo", "processor\t: 0\nmodel name\t: CPU \xff\n");
  t.write("proc/meminfo", "MemTotal:       1048576 kB\n");
  t.write("sys/class/dmi/id/sys_vendor", "Vendor\n");
  t.write("sys/class/dmi/id/product_serial", "\xff\xff\xff\xff\n");
  t.write("sys/block/vda/size", "2048\n");
  t.write("sys/block/vda/serial", "S\xfe\n");
  auto collected = agent::collectMachineFacts(t.path());
  REQUIRE(collected);
  CHECK(collected->facts.dmi.serial == kFffd + kFffd + kFffd + kFffd);
  CHECK(collected->facts.disks.at(0).serial == "S" + kFffd);
  CHECK(agent::factsDigest(collected->facts).size() == 64);

  // The phone-home body the agent sends, read by the coordinator's parser.
  common::PhoneHomeRequest request;
  request.machine_id = collected->machine_id;
  request.hostname = "node";
  request.facts = collected->facts;
  auto body = common::parseJsonBody(common::dumpJson(common::toJson(request)));
  REQUIRE(body);
  auto parsed = common::phoneHomeFromJson(*body);
  REQUIRE(parsed);
  CHECK(parsed->facts.dmi.serial == collected->facts.dmi.serial);
}

TEST_CASE("agent utf-8: an activation's reason with raw bytes is kept and read back",
          "[agent][sandbox]") {
  // switch-to-configuration's output ends up in the reason; it may be any bytes.
  TempDir t;
  agent::NixosState state(t.path());
  agent::Outcome outcome;
  outcome.activation_id = 1;
  outcome.outcome = common::ActivationOutcome::kFailed;
  outcome.reason = "switch-to-configuration: \xff\xfe garbage";
  REQUIRE(state.saveOutcome(outcome));
  auto loaded = state.loadOutcome();
  REQUIRE(loaded);
  REQUIRE(*loaded);
  CHECK((*loaded)->reason == "switch-to-configuration: " + kFffd + kFffd + " garbage");
}

TEST_CASE("agent utf-8: an observed report with raw bytes is sent cleaned", "[agent][sandbox]") {
  // e.g. a unit's error from sd-bus or QMP's error text from a guest's QEMU
  common::Json observed = {
      {"domains", {{"units", {{"instances", {{{"name", "web"}, {"error", "bad \x80"}}}}}}}}};
  std::string body = common::dumpJson(observed);
  CHECK(common::isValidUtf8(body));
  auto back = common::parseJsonBody(body);
  REQUIRE(back);
  CHECK((*back)["domains"]["units"]["instances"][0]["error"] == "bad " + kFffd);
  // The desired-state cache dumps through the same function and reads its own file back.
  auto cached = agent::decodeDesiredCache(agent::encodeDesiredCache(observed));
  REQUIRE(cached);
}
