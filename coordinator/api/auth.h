// Who is calling: the admin, a booting machine (bootstrap token) or one node (its own token).
#pragma once

#include "coordinator/edge/http_types.h"

#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "coordinator/inventory/inventory.h"

namespace photon::coordinator {

struct Caller {
  enum class Role { kAdmin, kBootstrap, kNode };
  Role role = Role::kAdmin;
  std::string node_id;  // for kNode
};

class Authenticator {
 public:
  // Hashes of the admin and bootstrap tokens (the tokens themselves are not kept).
  Authenticator(std::string admin_hash, std::string bootstrap_hash, Inventory& inventory);

  // With a client CA (--client-ca) a node proves itself with its client certificate (CN = its
  // id, verified by the TLS edge, not revoked); a node's bearer token alone is no longer enough.
  void requireNodeCertificates(bool on) { require_node_certificates_ = on; }
  // Whether a certificate serial (upper-case hex) is one the coordinator issued to that node
  // and has not revoked (reprovision, retire, a newer one past its overlap). Unset: every
  // certificate the edge verified counts (an operator's own CA).
  void setCertificateCheck(
      std::function<bool(const std::string& node_id, const std::string& serial_hex)> is_current) {
    is_current_ = std::move(is_current);
  }

  // 401 without a bearer token or with one nobody was given. `token_enough`: a node's token is
  // accepted without its certificate even when certificates are required (the call that
  // fetches the first certificate).
  [[nodiscard]] common::Result<Caller> identify(const HttpRequest& req, bool token_enough = false);
  [[nodiscard]] common::Status requireAdmin(const HttpRequest& req);
  [[nodiscard]] common::Status requireBootstrap(const HttpRequest& req);
  // The node itself; with `admin_too`, the operator may also (reading, never writing).
  [[nodiscard]] common::Result<Caller> requireNode(const HttpRequest& req, const std::string& id,
                                                   bool admin_too, bool token_enough = false);

 private:
  std::string admin_hash_;
  std::string bootstrap_hash_;
  // The node a verified, unrevoked client certificate names, if any.
  std::optional<std::string> certifiedNode(const HttpRequest& req) const;
  // The caller this connection's earlier request proved with the same Authorization header,
  // while no token has changed since (Inventory::tokenGeneration): a kept-alive agent's poll
  // then costs no SHA-256 and no index lookup.
  std::optional<Caller> remembered(const HttpRequest& req, std::string_view header) const;
  void remember(const HttpRequest& req, std::string_view header, const Caller& caller,
                std::optional<uint64_t> generation);

  Inventory& inventory_;
  bool require_node_certificates_ = false;
  std::function<bool(const std::string&, const std::string&)> is_current_;
};

}  // namespace photon::coordinator
