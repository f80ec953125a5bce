// The node's TLS client certificate in its state dir (node.key 0600, node.crt): made here (a
// fresh P-256 key and a certificate request) and signed by the coordinator's cluster CA, which
// names the certificate after the node. Asked for at install, once the node is approved, and
// again when the certificate is in the last third of its life.
#pragma once

#include <cstdint>
#include <string>

#include "common/http_client.h"
#include "common/result.h"

namespace photon::agent {

inline constexpr const char* kNodeCertFile = "node.crt";
inline constexpr const char* kNodeKeyFile = "node.key";

// Whether the state dir holds no certificate, an unreadable one, or one past two thirds of its
// validity at `now` (seconds since the epoch).
bool certificateNeedsRenewal(const std::string& state_dir, int64_t now);

// Makes a key and request, has the coordinator sign it (`client` carries the node's token or
// current certificate), and stores both files. `ssh_host_key` (an OpenSSH public key line, may
// be empty) is recorded by the coordinator for photonctl known-hosts. kForbidden when the
// coordinator issues no certificates.
[[nodiscard]] common::Status requestNodeCertificate(common::HttpClient& client,
                                                    const std::string& state_dir,
                                                    const std::string& node_id,
                                                    const std::string& ssh_host_key);

// Gets or renews the node's client certificate when it is missing or in its last third, and
// switches `client` to it; returns when to look again, in seconds since the epoch (0: the
// coordinator issues none, or there is no certificate to watch). A failure is logged and
// retried in 5 minutes.
int64_t renewNodeCertificate(common::HttpClient& client, const std::string& state_dir,
                             const std::string& node_id);

// The first line of an OpenSSH public key file, or empty when there is none.
std::string readSshHostKey(const std::string& path);

}  // namespace photon::agent
