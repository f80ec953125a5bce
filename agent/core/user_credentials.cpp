#include "agent/core/user_credentials.h"

#include <grp.h>
#include <pwd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace photon::agent {

common::Result<RunAs> credentialsOf(const std::string& user) {
  using common::ErrorCode;
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer(16 * 1024);
  int r = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (r != 0)
    return common::fail(ErrorCode::kUnavailable, "look up user " + user + ": " + std::strerror(r));
  if (!found) return common::fail(ErrorCode::kNotFound, "no user " + user);
  RunAs as{entry.pw_uid, entry.pw_gid, {}};
  // getgrouplist says how many there are when the first guess is too small; bounded retries.
  int count = 32;
  for (int attempt = 0; attempt < 4; ++attempt) {
    as.groups.resize(static_cast<size_t>(count));
    int n = count;
    if (::getgrouplist(user.c_str(), entry.pw_gid, as.groups.data(), &n) >= 0) {
      as.groups.resize(static_cast<size_t>(n));
      return as;
    }
    if (n <= count || n > 65536) break;
    count = n;
  }
  return common::fail(ErrorCode::kUnavailable, "read the groups of user " + user);
}

}  // namespace photon::agent
