// A failed system call as an Error: what was tried and errno's text.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>

#include "common/result.h"

namespace photon::agent {

inline std::unexpected<common::Error> osError(
    const std::string& what, common::ErrorCode code = common::ErrorCode::kInternal) {
  return common::fail(code, what + ": " + std::strerror(errno));
}

}  // namespace photon::agent
