// What the power tests that boot a real VM share: the test ISO (iso/build-test-iso) built against
// the test's coordinator, a per-run MAC, and reading the files a VM's run leaves behind.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

inline const std::string kTestAgent = std::string(PHOTON_BUILD_DIR) + "/agent/photon-agent";

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Builds the test ISO into `tmp` for a coordinator on the host's loopback `port` (10.0.2.2 is the
// host as QEMU's user network shows it), with the builder's `flags`; the kernel download is kept
// in the build tree between runs. Fails the test when the build fails.
inline std::string buildTestIso(const TempDir& tmp, const std::string& port,
                                const std::vector<std::string>& flags = {}) {
  const std::string token = tmp.write("bootstrap-token", kBootstrapToken);
  const std::string iso = tmp.file("photon-test.iso");
  const std::string log = tmp.file("build-iso.log");
  std::vector<std::string> argv = {std::string(PHOTON_SOURCE_DIR) + "/iso/build-test-iso",
                                   "--agent",
                                   kTestAgent,
                                   "--coordinator",
                                   "http://10.0.2.2:" + port,
                                   "--token-file",
                                   token,
                                   "--out",
                                   iso,
                                   "--cache",
                                   std::string(PHOTON_BUILD_DIR) + "/test-iso-cache"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  ChildProcess build(argv, log);
  int code = build.wait(std::chrono::minutes(5));
  INFO(slurp(log));
  REQUIRE(code == 0);
  return iso;
}

// A locally administered MAC of QEMU's prefix, different for each run (from the test's PID).
inline std::string perRunMac(unsigned prefix_byte = 0) {
  const unsigned pid = static_cast<unsigned>(::getpid());
  char mac[18];
  std::snprintf(mac, sizeof mac, "52:54:%02x:%02x:%02x:%02x", prefix_byte & 0xff,
                (pid >> 16) & 0xff, (pid >> 8) & 0xff, pid & 0xff);
  return mac;
}

}  // namespace photon::test
