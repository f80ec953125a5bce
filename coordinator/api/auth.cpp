#include "coordinator/api/auth.h"

#include <openssl/crypto.h>

#include "coordinator/auth/tokens.h"

namespace photon::coordinator {
namespace {
using common::ErrorCode;
using common::fail;

bool sameHash(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::unexpected<common::Error> forbidden(const std::string& what) {
  return fail(ErrorCode::kForbidden, what, "authorization");
}
}  // namespace

Authenticator::Authenticator(std::string admin_hash, std::string bootstrap_hash,
                             Inventory& inventory)
    : admin_hash_(std::move(admin_hash)),
      bootstrap_hash_(std::move(bootstrap_hash)),
      inventory_(inventory) {}

std::optional<std::string> Authenticator::certifiedNode(const HttpRequest& req) const {
  if (!req.peer || req.peer->common_name.empty()) return std::nullopt;
  if (is_current_ && !is_current_(req.peer->common_name, req.peer->serial_hex)) {
    return std::nullopt;
  }
  return req.peer->common_name;
}

common::Result<Caller> Authenticator::identify(const HttpRequest& req, bool token_enough) {
  const std::string_view header = req.headerView("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header.starts_with(kBearer) || header.size() == kBearer.size()) {
    if (auto node = certifiedNode(req); node && inventory_.getNode(*node)) {
      return Caller{Caller::Role::kNode, *node};
    }
    if (req.peer && !certifiedNode(req)) {
      return fail(ErrorCode::kUnauthorized, "client certificate revoked", "certificate");
    }
    return fail(ErrorCode::kUnauthorized, "missing bearer token", "authorization");
  }
  auto caller = remembered(req, header);
  if (!caller) {
    std::string hash = sha256Hex(header.substr(kBearer.size()));
    auto generation = inventory_.tokenGeneration();  // read before the lookup it vouches for
    if (sameHash(hash, admin_hash_)) {
      caller = Caller{Caller::Role::kAdmin, {}};
    } else if (sameHash(hash, bootstrap_hash_)) {
      caller = Caller{Caller::Role::kBootstrap, {}};
    } else if (auto node = inventory_.nodeForTokenHash(hash)) {
      // Looked up by SHA-256 of a 256-bit random token: timing reveals nothing usable.
      caller = Caller{Caller::Role::kNode, *node};
    } else {
      return fail(ErrorCode::kUnauthorized, "unknown or revoked token", "authorization");
    }
    remember(req, header, *caller, generation);
  }
  if (caller->role == Caller::Role::kNode && require_node_certificates_ && !token_enough &&
      certifiedNode(req) != caller->node_id) {
    return fail(ErrorCode::kUnauthorized,
                "node " + caller->node_id + " must present its own client certificate",
                "certificate");
  }
  return *caller;
}

std::optional<Caller> Authenticator::remembered(const HttpRequest& req,
                                                std::string_view header) const {
  const ProvenCaller* proven = req.proven;
  if (!proven || proven->role < 0 || !sameHash(proven->authorization, header)) return std::nullopt;
  auto generation = inventory_.tokenGeneration();
  if (!generation || *generation != proven->token_generation) return std::nullopt;
  return Caller{static_cast<Caller::Role>(proven->role), proven->node_id};
}

void Authenticator::remember(const HttpRequest& req, std::string_view header, const Caller& caller,
                             std::optional<uint64_t> generation) {
  if (!req.proven) return;
  if (!generation) {  // no change feed: nothing would tell the connection of a revocation
    req.proven->role = -1;
    return;
  }
  req.proven->authorization = header;
  req.proven->role = static_cast<int>(caller.role);
  req.proven->node_id = caller.node_id;
  req.proven->token_generation = *generation;
}

common::Status Authenticator::requireAdmin(const HttpRequest& req) {
  PHOTON_TRY(Caller caller, identify(req));
  if (caller.role != Caller::Role::kAdmin) return forbidden("this endpoint needs the admin token");
  return {};
}

common::Status Authenticator::requireBootstrap(const HttpRequest& req) {
  PHOTON_TRY(Caller caller, identify(req));
  if (caller.role != Caller::Role::kBootstrap) {
    return forbidden("phone-home takes the bootstrap token");
  }
  return {};
}

common::Result<Caller> Authenticator::requireNode(const HttpRequest& req, const std::string& id,
                                                  bool admin_too, bool token_enough) {
  PHOTON_TRY(Caller caller, identify(req, token_enough));
  if (caller.role == Caller::Role::kNode && caller.node_id == id) return caller;
  if (admin_too && caller.role == Caller::Role::kAdmin) return caller;
  if (caller.role == Caller::Role::kNode) {
    return forbidden("node " + caller.node_id + " may only use its own documents");
  }
  return forbidden("this endpoint needs the node's own token");
}

}  // namespace photon::coordinator
