// A user's credentials from the node's user database (NSS), for running a program as that user
// (ProcessRunner::runAs): the exec health check of an instance runs as the instance's user.
#pragma once

#include <string>

#include "agent/core/process_runner.h"
#include "common/result.h"

namespace photon::agent {

// uid, primary gid and supplementary groups of `user`; kNotFound when there is no such user
// (the caller then runs nothing rather than falling back to root).
[[nodiscard]] common::Result<RunAs> credentialsOf(const std::string& user);

}  // namespace photon::agent
