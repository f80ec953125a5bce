// Files in the agent's state dir, written so that a crash never leaves half a file: a temp file
// in the same directory, fsync, rename, fsync of the directory.
#pragma once

#include <string>
#include <sys/types.h>

#include "common/result.h"

namespace photon::agent {

[[nodiscard]] common::Status writeFileAtomic(const std::string& path, const std::string& content,
                                             mode_t mode = 0644);
[[nodiscard]] common::Result<std::string> readFile(const std::string& path);

}  // namespace photon::agent
