#include "agent/core/node_credentials.h"

#include <algorithm>
#include <cctype>

#include "agent/core/state_file.h"
#include "common/validate.h"

namespace photon::agent {
namespace {
using common::ErrorCode;
using common::fail;

std::string stripNewline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::unexpected<common::Error> reenroll(const std::string& path, const std::string& what) {
  return fail(ErrorCode::kInvalid, path + " " + what +
                                       ": the node's enrollment is lost; re-run `photon-agent "
                                       "bootstrap` to re-enroll this node");
}
}  // namespace

bool isValidNodeId(const std::string& id) {
  return common::isValidName(id);
}

bool isValidNodeToken(const std::string& token) {
  return token.size() >= 16 && token.size() <= 512 &&
         std::all_of(token.begin(), token.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '-' || c == '_' || c == '.';
         });
}

common::Status saveCredentials(const std::string& state_dir, const NodeCredentials& credentials) {
  if (!isValidNodeId(credentials.node_id)) return common::invalid("node_id", "malformed node id");
  if (!isValidNodeToken(credentials.token)) return common::invalid("token", "malformed token");
  // The token first: a crash between the two leaves the old id with a token it can still use
  // (the same machine always gets the same node).
  PHOTON_CHECK(writeFileAtomic(state_dir + "/" + kNodeTokenFile, credentials.token + "\n", 0600));
  PHOTON_CHECK(writeFileAtomic(state_dir + "/" + kNodeIdFile, credentials.node_id + "\n", 0644));
  return {};
}

common::Result<NodeCredentials> loadCredentials(const std::string& state_dir) {
  NodeCredentials out;
  std::string id_path = state_dir + "/" + kNodeIdFile;
  std::string token_path = state_dir + "/" + kNodeTokenFile;
  auto id = readFile(id_path);
  if (!id) {
    if (id.error().code == ErrorCode::kNotFound) return reenroll(id_path, "does not exist");
    return std::unexpected(id.error());
  }
  out.node_id = stripNewline(*id);
  if (!isValidNodeId(out.node_id)) return reenroll(id_path, "is corrupt");
  auto token = readFile(token_path);
  if (!token) {
    if (token.error().code == ErrorCode::kNotFound) return reenroll(token_path, "does not exist");
    return std::unexpected(token.error());
  }
  out.token = stripNewline(*token);
  if (!isValidNodeToken(out.token)) return reenroll(token_path, "is corrupt");
  return out;
}

}  // namespace photon::agent
