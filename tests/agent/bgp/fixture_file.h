// Reads a recorded file from tests/agent/bgp/fixtures.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace photon::test {

inline std::string bgpFixture(const std::string& name) {
  std::ifstream in(std::string(PHOTON_SOURCE_DIR) + "/tests/agent/bgp/fixtures/" + name,
                   std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace photon::test
