// CPU time of another process, for benches on a shared machine: a figure that a busy machine
// inflates far less than wall-clock time.
#pragma once

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace photon::test {

// User + system CPU seconds of process `pid` so far (fields 14 and 15 of /proc/PID/stat), or -1.
inline double processCpuSeconds(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string line;
  if (pid.empty() || !std::getline(in, line)) return -1;
  // The command name (field 2) may hold spaces: count from the ')' that ends it.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i >= 14) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace photon::test
