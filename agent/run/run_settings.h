// The run-mode settings a reload (SIGHUP) can change: the flags give the defaults, --config
// (JSON: {"coordinator", "poll_interval", "long_poll"}) overrides them and is read again on
// reload.
#pragma once

#include <string>
#include <string_view>

#include "common/json_fields.h"
#include "common/result.h"

namespace photon::agent {

struct RunSettings {
  std::string url;
  double poll_interval = 5;  // seconds
  int long_poll = 0;         // seconds; 0: off
};

// `base` with what the config object `config` sets; an error names the key.
[[nodiscard]] common::Result<RunSettings> applyRunConfig(const common::Json& config,
                                                         RunSettings base);

// `base` with what the config file at `path` sets ("": `base` as is); an error names the file
// and the line of a syntax error or the key of a wrong value.
[[nodiscard]] common::Result<RunSettings> readRunConfig(const std::string& path, RunSettings base);

}  // namespace photon::agent
