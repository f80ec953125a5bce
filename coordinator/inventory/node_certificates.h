// The nodes' client certificates: the cluster CA signs a node's request (CN = the node id),
// the serials issued are recorded per node, and the edge accepts a certificate only while its
// serial is recorded. Reprovision and retire delete the record (Inventory::act), which revokes
// every certificate of the node at once; a renewal keeps the previous serial valid until it
// expires, so that connections opened with it finish. The node's SSH host key travels with its
// request and is kept beside the serials (photonctl known-hosts).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/pki.h"
#include "common/result.h"
#include "coordinator/inventory/inventory.h"

namespace photon::coordinator {

struct HostKey {
  std::string node_id;
  std::string hostname;
  std::string address;
  std::string ssh_host_key;  // "ssh-ed25519 AAAA…"
};

class NodeCertificates {
 public:
  // Without an authority, nothing is issued (403) and isCurrent accepts any verified
  // certificate (an operator's own CA signs the nodes' certificates).
  NodeCertificates(Inventory& inventory, Store& store,
                   std::optional<common::pki::Authority> authority, std::chrono::seconds validity);

  bool issuing() const { return authority_.has_value(); }
  std::string caPem() const { return authority_ ? authority_->cert_pem : std::string(); }
  std::chrono::seconds validity() const { return validity_; }

  // Signs `request_pem` for node `id` (not retired) and records the serial; `ssh_host_key`
  // (OpenSSH public key line, may be empty) is recorded with it.
  [[nodiscard]] Result<common::pki::Issued> issue(const std::string& id,
                                                  const std::string& request_pem,
                                                  const std::string& ssh_host_key);
  // Whether `serial_hex` is a certificate of node `id` that has not been revoked or replaced
  // past its overlap.
  bool isCurrent(const std::string& id, const std::string& serial_hex);
  // Every node with a recorded SSH host key.
  [[nodiscard]] Result<std::vector<HostKey>> hostKeys();

 private:
  Inventory& inventory_;
  Store& store_;
  std::optional<common::pki::Authority> authority_;
  std::chrono::seconds validity_;
};

// An OpenSSH public key line we accept: a known type, base64, at most 2 KiB; kInvalid naming
// `field` otherwise.
common::Status checkSshPublicKey(const std::string& line, const std::string& field);

}  // namespace photon::coordinator
