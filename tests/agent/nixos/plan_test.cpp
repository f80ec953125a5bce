#include "agent/nixos/plan.h"

#include <catch2/catch.hpp>

#include "agent/nixos/health.h"
#include "agent/nixos/journal.h"

using namespace photon::agent;

namespace {
const std::string kA = "/nix/store/9r3wq2l5p3hfhhjnz42sry3skpivvm5d-nixos-system-a";
const std::string kB = "/nix/store/qgx5g4w7hi4cbh5cn8jqfxjyxczrsg59-nixos-system-b";

SystemSpec spec(const std::string& system, ActivationMode mode = ActivationMode::kSwitch) {
  SystemSpec s;
  s.system = system;
  s.mode = mode;
  return s;
}

NixosObserved running(const std::string& system, int64_t generation = 1) {
  NixosObserved o;
  o.generation = Generation{generation, system};
  o.current_system = system;
  return o;
}
}  // namespace

TEST_CASE("nixos plan: activate what does not run, leave what does", "[nixos]") {
  CHECK(planNixos(spec(kA), running(kA)).action == NixosAction::kNothing);
  CHECK(planNixos(spec(kB), running(kA)).action == NixosAction::kActivate);
  CHECK(planNixos(std::nullopt, running(kA)).action == NixosAction::kNothing);
  CHECK(planNixos(spec(kA), NixosObserved{}).action == NixosAction::kActivate);

  // boot: the profile counts; test: the running system counts; switch: both.
  NixosObserved booted_later = running(kA);
  booted_later.generation->system = kB;
  CHECK(planNixos(spec(kB, ActivationMode::kBoot), booted_later).action == NixosAction::kNothing);
  CHECK(planNixos(spec(kB, ActivationMode::kSwitch), booted_later).action ==
        NixosAction::kActivate);
  CHECK(planNixos(spec(kA, ActivationMode::kTest), booted_later).action == NixosAction::kNothing);
}

TEST_CASE("nixos plan: a generation rolled back here is held until the desired changes",
          "[nixos]") {
  NixosObserved o = running(kA);
  o.last = Outcome{
      .outcome = photon::common::ActivationOutcome::kRolledBack, .system = kB, .deployment = "d1"};
  auto desired = spec(kB);
  desired.deployment = "d1";
  CHECK(planNixos(desired, o).action == NixosAction::kHold);
  o.last->outcome = photon::common::ActivationOutcome::kFailed;
  CHECK(planNixos(desired, o).action == NixosAction::kHold);
  desired.deployment = "d2";  // a new deployment of it is a deliberate retry
  CHECK(planNixos(desired, o).action == NixosAction::kActivate);
  CHECK(planNixos(spec(kA), o).action == NixosAction::kNothing);
  o.last->outcome = photon::common::ActivationOutcome::kApplied;
  desired.deployment = "d1";
  CHECK(planNixos(desired, o).action == NixosAction::kActivate);
}

TEST_CASE("nixos plan: an interrupted activation is recovered before anything else", "[nixos]") {
  NixosObserved o = running(kA);
  o.journal = Journal{.id = 1, .phase = Phase::kSwitching, .spec = spec(kB)};
  CHECK(planNixos(spec(kA), o).action == NixosAction::kRecover);
  CHECK(planNixos(std::nullopt, o).action == NixosAction::kRecover);
}

TEST_CASE("nixos plan: a reboot is required when the kernel or initrd differ", "[nixos]") {
  BootFiles k1{"/nix/store/x-linux-6.1/bzImage", "/nix/store/y-initrd/initrd"};
  BootFiles k2{"/nix/store/z-linux-6.6/bzImage", "/nix/store/y-initrd/initrd"};
  BootFiles i2{"/nix/store/x-linux-6.1/bzImage", "/nix/store/w-initrd/initrd"};
  CHECK_FALSE(rebootRequired(k1, k1));
  CHECK(rebootRequired(k1, k2));
  CHECK(rebootRequired(k1, i2));
  CHECK_FALSE(rebootRequired(BootFiles{}, k2));  // nothing booted to compare with
}

TEST_CASE("nixos: generation links, realise arguments and URLs", "[nixos]") {
  CHECK(parseGenerationLink("system", "system-42-link") == 42);
  CHECK_FALSE(parseGenerationLink("system", "system-0-link"));
  CHECK_FALSE(parseGenerationLink("system", "system--link"));
  CHECK_FALSE(parseGenerationLink("system", "other-3-link"));
  CHECK_FALSE(parseGenerationLink("system", "system-3x-link"));

  NixosOptions options;
  options.store = "/tmp/s";
  auto argv = realiseArgv(options, kA, {{"file:///c", "https://d"}, {"k:AAAA"}, true});
  CHECK(argv == std::vector<std::string>{"nix-store", "--store", "/tmp/s", "--realise", kA,
                                         "--option", "substituters", "file:///c https://d",
                                         "--option", "trusted-public-keys", "k:AAAA", "--option",
                                         "require-sigs", "true"});
  auto bare = realiseArgv(NixosOptions{}, kA, {{}, {}, false});
  CHECK(bare == std::vector<std::string>{"nix-store", "--realise", kA, "--option", "require-sigs",
                                         "false"});

  auto u = splitUrl("http://127.0.0.1:8080/healthz?x=1");
  REQUIRE(u);
  CHECK(u->base == "http://127.0.0.1:8080");
  CHECK(u->target == "/healthz?x=1");
  CHECK(splitUrl("https://h")->target == "/");
  CHECK_FALSE(splitUrl("nourl"));
}

TEST_CASE("nixos journal: journal and outcome survive a round trip", "[nixos]") {
  Journal j{.id = 7,
            .phase = Phase::kConfirming,
            .spec = spec(kB),
            .previous = Generation{3, kA},
            .previous_system = kA,
            .deadline_ms = 123456,
            .reason = ""};
  j.spec.health.exec = {{"/bin/true", "x"}};
  auto back = journalFromJson(toJson(j));
  REQUIRE(back);
  CHECK(*back == j);
  Outcome o{.activation_id = 7,
            .outcome = photon::common::ActivationOutcome::kRolledBack,
            .system = kB,
            .previous_system = kA,
            .deployment = "d",
            .generation = 3,
            .reason = "why",
            .timings = {1, 2, 3, 4, 5, 6}};
  auto o2 = outcomeFromJson(toJson(o));
  REQUIRE(o2);
  CHECK(*o2 == o);
  CHECK_FALSE(journalFromJson(photon::common::Json{{"id", 1}, {"phase", "nonsense"}}));
}
