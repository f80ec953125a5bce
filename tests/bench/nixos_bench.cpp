// NixOS activation figures, against real Nix (nix-bin) with fake toplevels from
// tests/agent/nixos/fixtures/toplevels.nix, a signed file:// cache and an independent store:
// (1) the agent's overhead per activation beyond switch-to-configuration itself (realise,
//     nix-env, journal writes, health round), for a first fetch and for paths already there;
// (2) the time from the failed health verdict to the previous generation being active again
//     (profile switched back and its switch-to-configuration done).
// Environment: PHOTON_BENCH_ROUNDS (20). Run from the source root (scripts/bench.d does).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <vector>

namespace {
std::string sourceDir() {
  const char* dir = std::getenv("PHOTON_SOURCE_DIR");
  return dir && *dir ? dir : std::filesystem::current_path().string();
}
}  // namespace
#define PHOTON_SOURCE_DIR sourceDir()
#include "tests/agent/nixos/nix_world.h"

using photon::common::Json;

namespace {
struct Stats {
  std::vector<double> v;
  void add(double x) { v.push_back(x); }
  double pct(double p) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
  }
};

int64_t ms(const Json& out, const char* key) {
  return out["timings"][key].get<int64_t>();
}
}  // namespace

int main() {
  const char* r = std::getenv("PHOTON_BENCH_ROUNDS");
  const int rounds = r && *r ? std::atoi(r) : 20;
  photon::test::NixWorld w;
  auto rec = photon::agent::makeNixosReconciler(w.options(), w.stateDir());

  // First activations fetch the closure from the cache.
  Stats first_total, first_realise, first_switch;
  for (const char* name : {"good", "good2"}) {
    auto out = photon::test::reconcileUntilSettled(*rec, w.desired(name));
    if (out["outcome"] != "applied") {
      std::cerr << "activation failed: " << out.dump() << "\n";
      return 1;
    }
    first_total.add(ms(out, "total_ms"));
    first_realise.add(ms(out, "realise_ms"));
    first_switch.add(ms(out, "switch_ms"));
  }

  Stats overhead, realise, profile, sw, health, total;
  for (int i = 0; i < rounds; ++i) {
    auto d = w.desired(i % 2 ? "good2" : "good");
    d["health"] = {{"exec", {{"/bin/true"}}}};
    auto out = photon::test::reconcileUntilSettled(*rec, d);
    if (out["outcome"] != "applied") {
      std::cerr << "activation failed: " << out.dump() << "\n";
      return 1;
    }
    overhead.add(ms(out, "total_ms") - ms(out, "switch_ms"));
    realise.add(ms(out, "realise_ms"));
    profile.add(ms(out, "profile_ms"));
    sw.add(ms(out, "switch_ms"));
    health.add(ms(out, "health_ms"));
    total.add(ms(out, "total_ms"));
  }
  // Leave "good" active, then fail good2's health gate again and again.
  auto back = photon::test::reconcileUntilSettled(*rec, w.desired("good"));
  if (back["outcome"] != "applied") return 1;
  Stats rollback;
  for (int i = 0; i < rounds; ++i) {
    auto d = w.desired("good2", 1);
    d["deployment"] = "bench-" + std::to_string(i);  // a new deployment: not held
    d["health"] = {{"exec", {{"/bin/false"}}}};
    auto out = photon::test::reconcileUntilSettled(*rec, d);
    if (out["outcome"] != "rolled-back" || w.profileSystem() != w.path("good")) {
      std::cerr << "expected a rollback: " << out.dump() << "\n";
      return 1;
    }
    rollback.add(ms(out, "rollback_ms"));
  }

  std::printf("nixos activation, %d rounds (ms; median / p90)\n", rounds);
  std::printf(
      "  first activation (closure fetched from file:// cache): total %.0f, realise %.0f, "
      "switch-to-configuration %.0f\n",
      first_total.pct(0.5), first_realise.pct(0.5), first_switch.pct(0.5));
  std::printf("  activation, closure present: total %.0f / %.0f\n", total.pct(0.5), total.pct(0.9));
  std::printf("    switch-to-configuration itself      %.0f / %.0f\n", sw.pct(0.5), sw.pct(0.9));
  std::printf("    agent overhead (total - switch)      %.0f / %.0f\n", overhead.pct(0.5),
              overhead.pct(0.9));
  std::printf("      nix-store --realise (present)      %.0f / %.0f\n", realise.pct(0.5),
              realise.pct(0.9));
  std::printf("      nix-env --set                      %.0f / %.0f\n", profile.pct(0.5),
              profile.pct(0.9));
  std::printf("      health round (one exec check)      %.0f / %.0f\n", health.pct(0.5),
              health.pct(0.9));
  std::printf("  failed health verdict -> previous generation active: %.0f / %.0f\n",
              rollback.pct(0.5), rollback.pct(0.9));
  return 0;
}
