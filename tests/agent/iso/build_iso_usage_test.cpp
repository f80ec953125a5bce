// iso/build-iso and iso/build-test-iso refuse to build without what the ISO must embed: a
// coordinator URL and a bootstrap token file. They stop with their usage before touching Nix.
#include <catch2/catch.hpp>

#include "tests/nix/run_program.h"
#include "tests/support/temp_dir.h"

using namespace photon::test;

namespace {
const std::string kBuildIso = std::string(PHOTON_SOURCE_DIR) + "/iso/build-iso";
const std::string kBuildTestIso = std::string(PHOTON_SOURCE_DIR) + "/iso/build-test-iso";
}  // namespace

TEST_CASE("build-iso: without a token file or a coordinator URL it stops with usage", "[iso]") {
  TempDir tmp;
  auto token = tmp.write("token", "secret-token\n");
  auto empty = tmp.write("empty", "");
  const std::vector<std::vector<std::string>> bad = {
      {kBuildIso},
      {kBuildIso, "--coordinator", "http://10.0.0.12:7480"},
      {kBuildIso, "--token-file", token},
      {kBuildIso, "--coordinator"},
      {kBuildIso, "--coordinator", "10.0.0.12:7480", "--token-file", token},
      {kBuildIso, "--coordinator", "http://10.0.0.12:7480", "--token-file", empty},
      {kBuildIso, "--coordinator", "http://10.0.0.12:7480", "--token-file", tmp.file("absent")},
      {kBuildTestIso},
      {kBuildTestIso, "--agent", "/bin/true", "--coordinator", "http://10.0.2.2:1"},
  };
  for (const auto& argv : bad) {
    std::string shown;
    for (const auto& a : argv) shown += a + " ";
    INFO(shown);
    auto r = runProgram(argv, tmp.path());
    INFO(r.err);
    CHECK(r.exit_code == 2);
    bool explained = r.err.find("usage:") != std::string::npos ||
                     r.err.find("missing or empty") != std::string::npos ||
                     r.err.find("must start with http") != std::string::npos;
    CHECK(explained);
  }
}
