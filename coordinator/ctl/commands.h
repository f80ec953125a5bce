// photonctl's commands: each turns its arguments into one or two REST calls and prints the
// answer as a table (or the JSON itself with --output json).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "common/http_client.h"

namespace photon::ctl {

struct CtlContext {
  common::HttpClient& client;
  bool json_output = false;
  std::ostream& out;
  std::ostream& err;
  std::string command = "";  // the command's words ("cluster apply"), to start its messages
};

// Returns the process exit code: 0 done, 1 the coordinator refused or failed, 2 usage.
int runCommand(CtlContext& ctx, const std::vector<std::string>& args);

std::string usage();

}  // namespace photon::ctl
