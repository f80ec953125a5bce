// A program name looked up in PATH the way execvp would, for callers that need the absolute path
// before anything runs (fork's child, systemd's ExecStart).
#pragma once

#include <string>

namespace photon::agent {

// `name` itself when it has a '/'; else the first executable PATH/name (PATH unset: the NixOS
// and Debian system directories); "" when there is none.
std::string resolveProgram(const std::string& name);

}  // namespace photon::agent
