// Every .nix file in nix/ and iso/ parses. The modules, the flake and the ISO configuration need
// nixpkgs, which this machine does not have: parsing is what can be checked of them here (see
// docs/nix.md); the cluster library is evaluated for real in cluster_nix_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "tests/nix/nix_eval.h"
#include "tests/support/temp_dir.h"

using namespace photon::test;
namespace fs = std::filesystem;

TEST_CASE("nix: every .nix file in nix/ and iso/ parses", "[nix]") {
  std::vector<std::string> files;
  for (const char* dir : {"nix", "iso"}) {
    for (const auto& entry :
         fs::recursive_directory_iterator(std::string(PHOTON_SOURCE_DIR) + "/" + dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".nix") {
        files.push_back(entry.path().string());
      }
    }
  }
  auto has = [&](const std::string& suffix) {
    return std::any_of(files.begin(), files.end(),
                       [&](const std::string& f) { return f.ends_with(suffix); });
  };
  // The walk must have found the files that matter, or this test would prove nothing.
  REQUIRE(has("/nix/flake.nix"));
  REQUIRE(has("/nix/modules/photon-agent.nix"));
  REQUIRE(has("/nix/modules/photon-coordinator.nix"));
  REQUIRE(has("/nix/lib/cluster.nix"));
  REQUIRE(has("/iso/photon-iso.nix"));

  TempDir tmp;
  for (const auto& file : files) {
    INFO(file);
    auto r = runProgram({"nix-instantiate", "--parse", file}, tmp.path(), kNixEnv);
    INFO(r.err);
    CHECK(r.exit_code == 0);
  }
}

TEST_CASE("nix: a syntax error is reported by the parse check", "[nix]") {
  // The check above would be worthless if nix-instantiate --parse accepted anything.
  TempDir tmp;
  auto bad = tmp.write("bad.nix", "{ a = 1; b = ; }\n");
  auto r = runProgram({"nix-instantiate", "--parse", bad}, tmp.path(), kNixEnv);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("syntax error") != std::string::npos);
}
