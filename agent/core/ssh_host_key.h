// The node's SSH host key, made by the agent at install so that the coordinator can vouch for
// it (photonctl known-hosts) before anyone first connects: an Ed25519 key in OpenSSH's own
// files (the private key 0600 in "openssh-key-v1" form, as ssh-keygen writes it unencrypted,
// and the public key line beside it), which sshd and ssh-keygen read as their own.
#pragma once

#include <string>

#include "common/result.h"

namespace photon::agent {

struct SshHostKey {
  std::string private_pem;  // -----BEGIN OPENSSH PRIVATE KEY----- ...
  std::string public_line;  // "ssh-ed25519 AAAA... comment"
};

// A fresh Ed25519 key pair; `comment` ends the public line (e.g. "root@node-abc").
[[nodiscard]] common::Result<SshHostKey> makeSshHostKey(const std::string& comment);

// Makes `private_path` (0600) and `private_path`.pub (0644) unless the private key is there
// already; either way returns the public key line (read from the .pub file when it exists).
[[nodiscard]] common::Result<std::string> ensureSshHostKey(const std::string& private_path,
                                                           const std::string& comment);

}  // namespace photon::agent
