#include "coordinator/api/auth.h"

#include <openssl/crypto.h>

#include "coordinator/auth/tokens.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;

bool sameHash(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

common::Status forbidden(const std::string& what) {
  return fail(ErrorCode::kForbidden, what, "authorization");
}
}  // namespace

Authenticator::Authenticator(std::string admin_hash, std::string bootstrap_hash,
                             Inventory& inventory)
    : admin_hash_(std::move(admin_hash)),
      bootstrap_hash_(std::move(bootstrap_hash)),
      inventory_(inventory) {}

common::Result<Caller> Authenticator::identify(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header.starts_with(kBearer) || header.size() == kBearer.size()) {
    return fail(ErrorCode::kUnauthorized, "missing bearer token", "authorization");
  }
  std::string hash = sha256Hex(std::string_view(header).substr(kBearer.size()));
  if (sameHash(hash, admin_hash_)) return Caller{Caller::Role::kAdmin, {}};
  if (sameHash(hash, bootstrap_hash_)) return Caller{Caller::Role::kBootstrap, {}};
  // Looked up by SHA-256 of a 256-bit random token: timing reveals nothing usable.
  if (auto node = inventory_.nodeForTokenHash(hash)) return Caller{Caller::Role::kNode, *node};
  return fail(ErrorCode::kUnauthorized, "unknown or revoked token", "authorization");
}

common::Status Authenticator::requireAdmin(const httplib::Request& req) {
  PHOTON_TRY(Caller caller, identify(req));
  if (caller.role != Caller::Role::kAdmin) return forbidden("this endpoint needs the admin token");
  return {};
}

common::Status Authenticator::requireBootstrap(const httplib::Request& req) {
  PHOTON_TRY(Caller caller, identify(req));
  if (caller.role != Caller::Role::kBootstrap) {
    return forbidden("phone-home takes the bootstrap token");
  }
  return {};
}

common::Status Authenticator::requireNode(const httplib::Request& req, const std::string& id,
                                          bool admin_too) {
  PHOTON_TRY(Caller caller, identify(req));
  if (caller.role == Caller::Role::kNode && caller.node_id == id) return {};
  if (admin_too && caller.role == Caller::Role::kAdmin) return {};
  if (caller.role == Caller::Role::kNode) {
    return forbidden("node " + caller.node_id + " may only use its own documents");
  }
  return forbidden("this endpoint needs the node's own token");
}

}  // namespace photon::coordinator
