// Files in the agent's state dir, written so that a crash never leaves half a file: a temp file
// in the same directory, fsync, rename, fsync of the directory.
#pragma once

#include <sys/types.h>
#include <string>

#include "common/result.h"

namespace photon::agent {

[[nodiscard]] common::Status writeFileAtomic(const std::string& path, const std::string& content,
                                             mode_t mode = 0644);
[[nodiscard]] common::Result<std::string> readFile(const std::string& path);

// Makes the state dir (0700, its missing parents too) and proves that a file can be written in
// it, so a program finds out before it does anything that is lost without the dir (bootstrap's
// phone-home rotates the node token: a token it cannot keep leaves the node without one).
// An existing dir keeps its mode: the operator may have chosen it.
[[nodiscard]] common::Status prepareStateDir(const std::string& dir);

}  // namespace photon::agent
