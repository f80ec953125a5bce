// Errors as they cross a boundary, and errors dropped on purpose.
//
// PHOTON_TRY_CTX / PHOTON_CHECK_CTX: at a domain boundary the error gains what this side was
// doing as it rises ("read the world: etcd: deadline exceeded"), so a reader knows which domain
// failed and why it was asked. Not for every call: inside a domain PHOTON_TRY keeps messages
// short.
//
// ignoreError: `grep -rn 'ignoreError('` lists every error the code goes on without, and the log
// shows each once, where it is dropped, as "<what>: <error>, ignoring (<why>)". A bare (void) on
// a Result hides both.
#pragma once

#include <string>
#include <string_view>

#include "common/log.h"
#include "common/result.h"

// PHOTON_TRY_CTX(auto x, world_.sync(), "read the world");
#define PHOTON_TRY_CTX_IMPL(tmp, lhs, expr, what)                         \
  auto tmp = (expr);                                                      \
  if (!tmp) return std::unexpected(std::move(tmp).error().context(what)); \
  lhs = std::move(*tmp)
#define PHOTON_TRY_CTX(lhs, expr, what) \
  PHOTON_TRY_CTX_IMPL(PHOTON_CONCAT(photon_try_, __LINE__), lhs, expr, what)
#define PHOTON_CHECK_CTX(expr, what)                                          \
  do {                                                                        \
    if (auto photon_check_ = (expr); !photon_check_)                          \
      return std::unexpected(std::move(photon_check_).error().context(what)); \
  } while (0)

namespace photon::common {

// `what`: the step that failed ("save the activation's outcome"); `why`: why going on is right.
template <typename T>
void ignoreError(const Result<T>& result, std::string_view what, std::string_view why) {
  if (result) return;
  logWarning(std::string(what) + ": " + result.error().message + ", ignoring (" + std::string(why) +
             ")");
}

}  // namespace photon::common
