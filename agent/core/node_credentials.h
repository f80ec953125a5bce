// The node's identity in its state dir: `node-id` and `node-token` (mode 0600), written by
// bootstrap, read by run mode. A file that is missing or malformed is an error that tells the
// operator to re-enroll the node.
#pragma once

#include <string>

#include "common/result.h"

namespace photon::agent {

struct NodeCredentials {
  std::string node_id;
  std::string token;
};

inline constexpr const char* kNodeIdFile = "node-id";
inline constexpr const char* kNodeTokenFile = "node-token";

[[nodiscard]] common::Status saveCredentials(const std::string& state_dir,
                                             const NodeCredentials& credentials);
[[nodiscard]] common::Result<NodeCredentials> loadCredentials(const std::string& state_dir);

// Pure checks of the two values (also applied to what the coordinator hands out).
bool isValidNodeId(const std::string& id);
bool isValidNodeToken(const std::string& token);

}  // namespace photon::agent
