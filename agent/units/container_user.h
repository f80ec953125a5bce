// The user a container instance runs as, looked up in the container's own /etc/passwd, where
// systemd-nspawn --user resolves it (not in the node's user database). The file belongs to the
// container, so it is hostile input: read through the container's root with every symbolic link
// resolved inside that root, bounded, and parsed by a pure function (fuzzed:
// tests/fuzz/container_passwd_fuzz.cpp).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace photon::agent {

struct ContainerUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
};

inline constexpr size_t kMaxContainerPasswdBytes = 256 * 1024;

// Pure. The first "name:password:uid:gid:..." line of `passwd` for `user`; kNotFound when there
// is none, kInvalid when its uid or gid is not a decimal number below 2^32 - 1.
[[nodiscard]] common::Result<ContainerUser> findPasswdEntry(std::string_view passwd,
                                                            std::string_view user);

// `user` in the /etc/passwd of the container whose leader is `leader` (a host pid). A file over
// kMaxContainerPasswdBytes, not a regular file, or a link out of the container is an error.
[[nodiscard]] common::Result<ContainerUser> containerUser(pid_t leader, const std::string& user);
// The same, through an open descriptor of the container's root directory.
[[nodiscard]] common::Result<ContainerUser> containerUserIn(int root_fd, const std::string& user);

}  // namespace photon::agent
