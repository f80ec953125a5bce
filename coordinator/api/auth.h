// Who is calling: the admin, a booting machine (bootstrap token) or one node (its own token).
#pragma once

#include <httplib.h>

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

  // 401 without a bearer token or with one nobody was given.
  [[nodiscard]] common::Result<Caller> identify(const httplib::Request& req);
  [[nodiscard]] common::Status requireAdmin(const httplib::Request& req);
  [[nodiscard]] common::Status requireBootstrap(const httplib::Request& req);
  // The node itself; with `admin_too`, the operator may also (reading, never writing).
  [[nodiscard]] common::Status requireNode(const httplib::Request& req, const std::string& id,
                                           bool admin_too);

 private:
  std::string admin_hash_;
  std::string bootstrap_hash_;
  Inventory& inventory_;
};

}  // namespace photon::coordinator
