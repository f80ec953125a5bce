// Whole tasks over a BirdControl: read the protocols and routes, apply a configuration safely.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "agent/bgp/bird_control.h"
#include "agent/bgp/bird_reply.h"
#include "common/result.h"

namespace photon::agent {

[[nodiscard]] common::Result<std::vector<BirdProtocol>> showProtocols(BirdControl& bird);
// `show route all` plus `args` (e.g. "table master6", "for 10.9.0.1/32").
[[nodiscard]] common::Result<std::vector<BirdRoute>> showRoutes(BirdControl& bird,
                                                                const std::string& args = "");

struct BirdApplyOptions {
  std::string config_path;  // the file BIRD starts from; the new text goes next to it first
  // How long BGP sessions that were up get to be up again before we stop waiting and let BIRD
  // undo the change by itself.
  std::chrono::milliseconds confirm_wait{10000};
  // BIRD's undo timer runs this much longer than our wait.
  std::chrono::seconds undo_margin{10};
};

// Writes `text` to "<config_path>.new", `configure check`s it (on error: BIRD's message, and the
// running config is untouched), `configure`s it with an undo timeout, waits for the sessions
// that were Established to be Established again, `configure confirm`s, and only then makes it
// the config file.
[[nodiscard]] common::Status applyBirdConfig(BirdControl& bird, const BirdApplyOptions& options,
                                             const std::string& text);

}  // namespace photon::agent
