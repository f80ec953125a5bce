// Runs the real photonctl binary against a CoordinatorFixture with the admin token, to its end,
// its output (stdout and stderr) collected. Shared by the photonctl tests.
#pragma once

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/coordinator_fixture.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

struct PhotonctlRunner {
  CoordinatorFixture& c;
  TempDir dir;
  int runs = 0;

  std::string token() { return dir.write("admin.token", std::string(kAdminToken) + "\n"); }

  std::vector<std::string> argv(const std::vector<std::string>& args) {
    std::vector<std::string> out = {PHOTON_BUILD_DIR "/coordinator/photonctl", "--coordinator",
                                    c.url(), "--token-file", token()};
    out.insert(out.end(), args.begin(), args.end());
    return out;
  }

  // Runs to the end (at most 20 s); returns the exit code and fills `output`.
  int run(const std::vector<std::string>& args, std::string& output) {
    auto log = dir.file("ctl-" + std::to_string(++runs) + ".log");
    ChildProcess p(argv(args), log);
    int code = p.wait(std::chrono::seconds(20));
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    output = text.str();
    return code;
  }
};

}  // namespace photon::test
