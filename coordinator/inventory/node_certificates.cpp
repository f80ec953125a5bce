#include "coordinator/inventory/node_certificates.h"

#include <openssl/crypto.h>

#include "common/json_fields.h"
#include "coordinator/inventory/keys.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;
using common::Json;

bool sameSerial(const std::string& a, const std::string& b) {
  return !a.empty() && a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

common::Status checkSshPublicKey(const std::string& line, const std::string& field) {
  if (line.size() > 2048) return common::invalid(field, "longer than 2048 bytes");
  auto space = line.find(' ');
  std::string type = line.substr(0, space);
  if (type != "ssh-ed25519" && type != "ecdsa-sha2-nistp256" && type != "ssh-rsa") {
    return common::invalid(field, "must start with ssh-ed25519, ecdsa-sha2-nistp256 or ssh-rsa");
  }
  if (space == std::string::npos) return common::invalid(field, "has no key after its type");
  std::string rest = line.substr(space + 1);
  std::string blob = rest.substr(0, rest.find(' '));
  if (blob.empty() || blob.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                             "0123456789+/=") != std::string::npos) {
    return common::invalid(field, "the key is not base64");
  }
  // The comment is dropped by the caller; control characters never reach a known_hosts file.
  for (unsigned char c : line) {
    if (c < 0x20 || c == 0x7f) return common::invalid(field, "holds a control character");
  }
  return {};
}

NodeCertificates::NodeCertificates(Inventory& inventory, Store& store,
                                   std::optional<common::pki::Authority> authority,
                                   std::chrono::seconds validity)
    : inventory_(inventory), store_(store), authority_(std::move(authority)), validity_(validity) {}

Result<common::pki::Issued> NodeCertificates::issue(const std::string& id,
                                                    const std::string& request_pem,
                                                    const std::string& ssh_host_key) {
  if (!authority_) {
    return fail(ErrorCode::kForbidden,
                "this coordinator issues no node certificates (start it with --node-ca-cert and "
                "--node-ca-key)",
                "csr");
  }
  std::string host_key;
  if (!ssh_host_key.empty()) {
    PHOTON_CHECK(checkSshPublicKey(ssh_host_key, "ssh_host_key"));
    // Type and key only: a comment is the machine's to choose and nobody's to read.
    auto second_space = ssh_host_key.find(' ', ssh_host_key.find(' ') + 1);
    host_key = ssh_host_key.substr(0, second_space);
  }
  const int64_t now = inventory_.clock().nowSeconds();
  Store& store = store_;
  for (int attempt = 0; attempt < 5; ++attempt) {
    PHOTON_TRY(common::Node node, inventory_.getNode(id));
    if (node.state == common::NodeState::kRetired) {
      return fail(ErrorCode::kConflict, "node " + id + " is retired", "state");
    }
    PHOTON_TRY(auto existing, store.get(keys::certificate(id)));
    Json record = Json::object();
    if (existing) {
      record = Json::parse(existing->value, nullptr, false);
      if (!record.is_object()) record = Json::object();
    }
    PHOTON_TRY(common::pki::Issued issued,
               common::pki::signRequest(*authority_, request_pem, id, now, validity_));
    Json next = {
        {"serial", issued.serial_hex}, {"not_after", issued.not_after}, {"issued_at", now}};
    // The certificate being replaced stays valid until it expires: the agent's open connection
    // presented it, and a renewal must not cut it.
    if (record.contains("serial") && record.value("not_after", int64_t{0}) > now) {
      next["previous_serial"] = record["serial"];
      next["previous_not_after"] = record["not_after"];
    }
    next["ssh_host_key"] = host_key.empty() ? record.value("ssh_host_key", "") : host_key;
    Txn txn;
    txn.expect(keys::certificate(id), existing ? existing->mod_revision : 0)
        .put(keys::certificate(id), next.dump());
    auto committed = store.commit(txn);
    if (committed) return issued;
    if (committed.error().code != ErrorCode::kConflict) return std::unexpected(committed.error());
  }
  return fail(ErrorCode::kConflict, "the node's certificate record kept changing; retry", "csr");
}

bool NodeCertificates::isCurrent(const std::string& id, const std::string& serial_hex) {
  if (!authority_) return true;
  auto kv = store_.get(keys::certificate(id));
  if (!kv) return false;
  const auto& stored = *kv;
  if (!stored) return false;
  Json record = Json::parse(stored->value, nullptr, false);
  if (!record.is_object()) return false;
  const int64_t now = inventory_.clock().nowSeconds();
  if (sameSerial(record.value("serial", ""), serial_hex) &&
      record.value("not_after", int64_t{0}) > now) {
    return true;
  }
  return sameSerial(record.value("previous_serial", ""), serial_hex) &&
         record.value("previous_not_after", int64_t{0}) > now;
}

Result<std::vector<HostKey>> NodeCertificates::hostKeys() {
  PHOTON_TRY(auto range, store_.range("certs/"));
  std::vector<HostKey> out;
  for (const auto& kv : range.kvs) {
    Json record = Json::parse(kv.value, nullptr, false);
    if (!record.is_object() || record.value("ssh_host_key", "").empty()) continue;
    std::string id = kv.key.substr(std::string("certs/").size());
    auto node = inventory_.getNode(id);
    if (!node) continue;
    out.push_back({id, node->hostname, node->address, record["ssh_host_key"]});
  }
  return out;
}

}  // namespace photon::coordinator
