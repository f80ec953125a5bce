// `bird -p -c FILE`: whether BIRD itself accepts a generated config (exit code, BIRD's message).
#pragma once

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace photon::test {

inline std::pair<int, std::string> birdParse(const TempDir& dir, const std::string& name,
                                             const std::string& config) {
  auto file = dir.write(name, config);
  auto log = dir.file(name + ".log");
  ChildProcess bird({"/usr/sbin/bird", "-p", "-c", file}, log);
  int code = bird.wait(std::chrono::seconds(10));
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return {code, text.str()};
}

}  // namespace photon::test
